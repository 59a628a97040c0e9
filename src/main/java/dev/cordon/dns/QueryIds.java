package dev.cordon.dns;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unpredictable transaction ids without a lock: SplittableRandom's generator (a golden-ratio
 * counter through a 64-bit mixer) on an atomic counter seeded once from SecureRandom, so
 * concurrent queries never queue on a synchronized SecureRandom.
 */
final class QueryIds {
    private static final AtomicLong STATE = new AtomicLong(new SecureRandom().nextLong());

    private QueryIds() {}

    static long next() {
        long z = STATE.addAndGet(0x9e3779b97f4a7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
