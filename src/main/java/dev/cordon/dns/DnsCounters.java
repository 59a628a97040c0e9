package dev.cordon.dns;

import java.util.concurrent.atomic.AtomicLong;

/** What the proxy saw, for the end-of-run summary, metrics and tests. */
public final class DnsCounters {
    public final AtomicLong queries = new AtomicLong();
    public final AtomicLong blocked = new AtomicLong();
    /** Queries answered as a --simulate-outage dependency would be. */
    public final AtomicLong outage = new AtomicLong();
    public final AtomicLong malformed = new AtomicLong();
    public final AtomicLong upstreamFailures = new AtomicLong();
    public final AtomicLong overloaded = new AtomicLong();
    public final AtomicLong unattributed = new AtomicLong();
    /** Queries answered from the answer cache (decided, learned and reported all the same). */
    public final AtomicLong cacheHits = new AtomicLong();
    /** How long each answer took, every query the proxy answered (overloaded ones too). */
    public final DnsLatency latency = new DnsLatency();
}
