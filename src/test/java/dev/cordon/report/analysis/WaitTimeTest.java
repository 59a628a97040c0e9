package dev.cordon.report.analysis;

import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.AttemptKind;
import dev.cordon.report.model.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WaitTimeTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    private static Attempt held(long startMs, long waitedMs) {
        return new Attempt(T0.plusMillis(startMs), AttemptKind.DNS, Verdict.OUTAGE, 42, "curl x", null, null, null, List.of("github.com"),
                null, 0, null, "A", "outage:github.com", "SimulatedOutage", List.of(), "timeout", waitedMs, "answered");
    }

    @Test
    void parallelQueriesCountOnceAndRetriesAddUp() {
        // A and AAAA at once, held 2 s each; then the retry of both, 2 s more
        assertThat(WaitTime.of(List.of(held(0, 2000), held(3, 2000), held(2005, 2000), held(2006, 2000)))).isEqualTo(2003 + 2001);
    }

    @Test
    void disjointWaitsAddAndUnheldAttemptsCountNothing() {
        assertThat(WaitTime.of(List.of(held(5000, 1000), held(0, 1000), held(9000, -1), held(9000, 0)))).isEqualTo(2000);
        assertThat(WaitTime.of(List.of())).isZero();
    }

    @Test
    void aWaitInsideAnotherAddsNothing() {
        assertThat(WaitTime.of(List.of(held(0, 10_000), held(1000, 500)))).isEqualTo(10_000);
    }
}
