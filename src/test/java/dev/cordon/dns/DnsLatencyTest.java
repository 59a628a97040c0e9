package dev.cordon.dns;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DnsLatencyTest {
    @Test
    void eachAnswerFallsInTheFirstBucketItFitsUnder() {
        DnsLatency l = new DnsLatency();
        l.record(10_000);          // 10 µs: ≤ 25 µs
        l.record(25_000);          // exactly a bound: that bucket
        l.record(25_001);          // just past: the next
        l.record(3_000_000);       // 3 ms: ≤ 5 ms
        l.record(11_000_000_000L); // past 10 s: +Inf
        DnsLatency.Snapshot s = l.snapshot();
        assertThat(s.counts()).hasSize(DnsLatency.BOUNDS_NS.length + 1);
        assertThat(s.counts()[0]).isEqualTo(2);
        assertThat(s.counts()[1]).isEqualTo(1);
        assertThat(s.counts()[7]).as("≤ %d ns", DnsLatency.BOUNDS_NS[7]).isEqualTo(1);
        assertThat(s.counts()[DnsLatency.BOUNDS_NS.length]).isEqualTo(1);
        assertThat(s.count()).isEqualTo(5);
        assertThat(s.sumNs()).isEqualTo(10_000 + 25_000 + 25_001 + 3_000_000 + 11_000_000_000L);
        assertThat(DnsLatency.boundsSeconds()[0]).isEqualTo(0.000025);
    }
}
