package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's first command, {@code bin/cordon demo}, as on a machine that never ran cordon: through
 * bin/fresh-host (bpffs not mounted, no session records), whatever this machine has seen.
 */
class DemoIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    /** bin/fresh-host execs the launcher in its namespace, so the pid stays cordon's. */
    private static final Layout FRESH_HOST = new Layout() {
        @Override
        public List<String> wrap(List<String> argv) {
            List<String> out = new ArrayList<>(List.of(Host.cordonHome().resolve("bin/fresh-host").toString()));
            out.addAll(argv);
            return out;
        }

        @Override
        public void close() {}
    };

    @Test
    void theDemoRunsAllThreeActsOnAFreshHost() {
        CordonResult r = kernel.start(FRESH_HOST, List.of("demo")).await(Duration.ofSeconds(120));
        String all = r.stdout() + r.stderr();
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(all).as("%s", r)
                .contains("== 1. audit mode", "-> exit 0: the deploy worked")
                .contains("== 2. enforce mode", "WARN DNS BLOCKED", "domain=api.github.com.", "-> exit 6 after")
                .contains("== 3. rehearse the outage", "WARN DNS OUTAGE")
                .doesNotContain("internal error");
    }
}
