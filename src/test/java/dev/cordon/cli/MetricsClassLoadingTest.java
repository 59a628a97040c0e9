package dev.cordon.cli;

import dev.cordon.testing.RecordingClassLoader;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No class of the Prometheus client is loaded unless a guard serves metrics: not by cordon guard's command line
 * (--metrics-listen included: the address is checked without it), not by linking GuardSession (the verifier may
 * load the classes its code names). MetricsIT checks a real guard's class-load log.
 */
class MetricsClassLoadingTest {
    private static Set<String> guardIsolated(String... args) throws Exception {
        try (RecordingClassLoader loader = new RecordingClassLoader()) {
            try {
                Class.forName(IsolatedGuard.class.getName(), true, loader).getMethod("run", String[].class).invoke(null, (Object) args);
            } catch (InvocationTargetException e) {
                throw new AssertionError("the isolated guard failed", e.getCause());
            }
            Class.forName("dev.cordon.session.GuardSession", true, loader);
            return loader.defined();
        }
    }

    private static boolean prometheus(String name) {
        return name.startsWith("io.prometheus.") || name.equals("dev.cordon.metrics.GuardMetrics")
                || name.equals("dev.cordon.metrics.MetricsServer");
    }

    @Test
    void guardsCommandLineAndSessionLoadNoneOfIt() throws Exception {
        for (String[] args : new String[][] {{"guard", "--cgroup", "x", "--no-dns-proxy"},
                {"guard", "--cgroup", "x", "--no-dns-proxy", "--metrics-listen", "127.0.0.1:9464"}}) {
            Set<String> loaded = guardIsolated(args);
            assertThat(loaded).as("the isolated loader defined cordon's classes itself")
                    .contains(GuardCommand.class.getName(), "dev.cordon.session.GuardSession", "dev.cordon.cli.MetricsOptions");
            assertThat(loaded).filteredOn(MetricsClassLoadingTest::prometheus).as(String.join(" ", args)).isEmpty();
        }
    }

    @Test
    void theMetricsThemselvesDoLoadIt() throws Exception {
        try (RecordingClassLoader loader = new RecordingClassLoader()) {
            Class.forName("dev.cordon.metrics.GuardMetrics", true, loader).getConstructor().newInstance();
            assertThat(loader.defined()).as("the check can see the library").anyMatch(n -> n.startsWith("io.prometheus.metrics.core."));
        }
    }
}
