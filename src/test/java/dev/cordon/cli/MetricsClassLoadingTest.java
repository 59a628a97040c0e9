package dev.cordon.cli;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No class of the Prometheus client is loaded unless a guard serves metrics: not by cordon guard's command line
 * (--metrics-listen included: the address is checked without it), not by linking GuardSession (the verifier may
 * load the classes its code names). MetricsIT checks a real guard's class-load log.
 */
class MetricsClassLoadingTest {
    /** Defines every class of the class path itself (the JDK's come from the platform loader) and notes its name. */
    private static final class Recording extends URLClassLoader {
        final Set<String> defined = ConcurrentHashMap.newKeySet();

        Recording() throws MalformedURLException {
            super(classPath(), ClassLoader.getPlatformClassLoader());
        }

        private static URL[] classPath() throws MalformedURLException {
            String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
            URL[] urls = new URL[entries.length];
            for (int i = 0; i < entries.length; i++) urls[i] = new File(entries[i]).toURI().toURL();
            return urls;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            Class<?> c = super.findClass(name);
            defined.add(name);
            return c;
        }
    }

    private static Set<String> guardIsolated(String... args) throws Exception {
        try (Recording loader = new Recording()) {
            try {
                Class.forName(IsolatedGuard.class.getName(), true, loader).getMethod("run", String[].class).invoke(null, (Object) args);
            } catch (InvocationTargetException e) {
                throw new AssertionError("the isolated guard failed", e.getCause());
            }
            Class.forName("dev.cordon.session.GuardSession", true, loader);
            return Set.copyOf(loader.defined);
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
        try (Recording loader = new Recording()) {
            Class.forName("dev.cordon.metrics.GuardMetrics", true, loader).getConstructor().newInstance();
            assertThat(loader.defined).as("the check can see the library").anyMatch(n -> n.startsWith("io.prometheus.metrics.core."));
        }
    }
}
