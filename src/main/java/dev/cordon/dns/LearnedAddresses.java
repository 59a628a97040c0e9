package dev.cordon.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Addresses learned from DNS answers, with the names they came from, mirrored into the kernel's
 * learned maps. An entry lives max(TTL, floor) + grace; existing connections are never cut
 * (the hooks only look at new connects). Bounded: past {@code capacity} addresses new ones are
 * refused and counted, which fails closed in allowlist mode.
 */
public final class LearnedAddresses {
    /** The kernel side (EgressGuard), a seam for tests. Times are CLOCK_MONOTONIC ns. */
    public interface KernelTable {
        void learn(byte[] ip, long allowUntilNs, long denyUntilNs);

        void forget(byte[] ip);
    }

    /** Which names an address was learned from; either list may be empty. */
    public record Names(List<String> allowed, List<String> denied) {
        public boolean isEmpty() {
            return allowed.isEmpty() && denied.isEmpty();
        }
    }

    public record Ttl(long floorSeconds, long graceSeconds) {
        public static final Ttl DEFAULT = new Ttl(30, 60);

        long lifetimeNs(long ttlSeconds) {
            return (Math.max(ttlSeconds, floorSeconds) + graceSeconds) * 1_000_000_000L;
        }
    }

    private static final class Entry {
        final Map<String, Long> allowedUntil = new LinkedHashMap<>();
        final Map<String, Long> deniedUntil = new LinkedHashMap<>();

        long maxAllowed() {
            return allowedUntil.values().stream().mapToLong(Long::longValue).max().orElse(0);
        }

        long maxDenied() {
            return deniedUntil.values().stream().mapToLong(Long::longValue).max().orElse(0);
        }
    }

    private final KernelTable kernel;
    private final Ttl ttl;
    private final int capacity;
    private final Map<InetAddress, Entry> entries = new HashMap<>();
    private final AtomicLong refusedAtCapacity = new AtomicLong();
    private final java.util.function.LongSupplier clock;

    public LearnedAddresses(KernelTable kernel, Ttl ttl, int capacity) {
        this(kernel, ttl, capacity, System::nanoTime);
    }

    LearnedAddresses(KernelTable kernel, Ttl ttl, int capacity, java.util.function.LongSupplier clock) {
        this.kernel = kernel;
        this.ttl = ttl;
        this.capacity = capacity;
        this.clock = clock;
    }

    public void learnAllowed(InetAddress ip, String name, long ttlSeconds) {
        learn(ip, name, ttlSeconds, true);
    }

    public void learnDenied(InetAddress ip, String name, long ttlSeconds) {
        learn(ip, name, ttlSeconds, false);
    }

    private synchronized void learn(InetAddress ip, String name, long ttlSeconds, boolean allowed) {
        Entry e = entries.get(ip);
        if (e == null) {
            if (entries.size() >= capacity) {
                refusedAtCapacity.incrementAndGet();
                return;
            }
            e = new Entry();
            entries.put(ip, e);
        }
        long until = clock.getAsLong() + ttl.lifetimeNs(ttlSeconds);
        (allowed ? e.allowedUntil : e.deniedUntil).merge(name, until, Math::max);
        kernel.learn(ip.getAddress(), e.maxAllowed(), e.maxDenied());
    }

    /** Names for an address, live or expired (an expired name still explains an old event). */
    public synchronized Names namesFor(byte[] ip) {
        try {
            Entry e = entries.get(InetAddress.getByAddress(ip));
            if (e == null) return new Names(List.of(), List.of());
            return new Names(new ArrayList<>(e.allowedUntil.keySet()), new ArrayList<>(e.deniedUntil.keySet()));
        } catch (java.net.UnknownHostException ex) {
            return new Names(List.of(), List.of());
        }
    }

    /** Drops names whose time is up; addresses with none left leave the kernel too. @return addresses removed */
    public synchronized int sweep() {
        long now = clock.getAsLong();
        int removed = 0;
        var it = entries.entrySet().iterator();
        while (it.hasNext()) {
            var me = it.next();
            Entry e = me.getValue();
            boolean changed = e.allowedUntil.values().removeIf(t -> t <= now) | e.deniedUntil.values().removeIf(t -> t <= now);
            if (e.allowedUntil.isEmpty() && e.deniedUntil.isEmpty()) {
                kernel.forget(me.getKey().getAddress());
                it.remove();
                removed++;
            } else if (changed) {
                kernel.learn(me.getKey().getAddress(), e.maxAllowed(), e.maxDenied());
            }
        }
        return removed;
    }

    public synchronized int size() {
        return entries.size();
    }

    public long refusedAtCapacity() {
        return refusedAtCapacity.get();
    }
}
