package dev.cordon.dns;

import java.util.concurrent.atomic.LongAdder;

/**
 * How long the proxy took to answer each query, from the moment it read the query to the moment
 * it sent the answer (upstream round trips and simulated-outage waits included), in fixed buckets.
 * Recording takes no lock and allocates nothing: a bucket search over {@link #BOUNDS_NS} and two
 * {@link LongAdder} additions, on the thread that answered. Readers (a metrics scrape) get counts
 * that may lag a query being recorded at that moment, never a torn or blocked proxy.
 */
public final class DnsLatency {
    /**
     * Upper bounds of the buckets, in nanoseconds (each bucket counts the answers that took at most
     * its bound and more than the one before): from a cached or blocked answer (tens of µs) to a
     * slow upstream (seconds) and --upstream-timeout's default (2 s); past the last, +Inf.
     */
    static final long[] BOUNDS_NS = {
        25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000, 100_000_000, 250_000_000, 500_000_000,
        1_000_000_000, 2_500_000_000L, 5_000_000_000L, 10_000_000_000L};

    private final LongAdder[] buckets = new LongAdder[BOUNDS_NS.length + 1];
    private final LongAdder sumNs = new LongAdder();

    public DnsLatency() {
        for (int i = 0; i < buckets.length; i++) buckets[i] = new LongAdder();
    }

    /** One answer that took {@code nanos}. */
    public void record(long nanos) {
        int i = 0;
        while (i < BOUNDS_NS.length && nanos > BOUNDS_NS[i]) i++;
        buckets[i].increment();
        sumNs.add(Math.max(0, nanos));
    }

    /** The bucket bounds in seconds, without +Inf. */
    public static double[] boundsSeconds() {
        double[] s = new double[BOUNDS_NS.length];
        for (int i = 0; i < s.length; i++) s[i] = BOUNDS_NS[i] / 1e9;
        return s;
    }

    /**
     * What was recorded so far.
     *
     * @param counts answers per bucket (not cumulative), the last one past every bound
     */
    public record Snapshot(long[] counts, long sumNs) {
        public long count() {
            long n = 0;
            for (long c : counts) n += c;
            return n;
        }
    }

    public Snapshot snapshot() {
        long[] counts = new long[buckets.length];
        for (int i = 0; i < counts.length; i++) counts[i] = buckets[i].sum();
        return new Snapshot(counts, sumNs.sum());
    }
}
