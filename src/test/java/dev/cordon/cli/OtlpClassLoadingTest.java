package dev.cordon.cli;

import dev.cordon.otlp.OtlpReceiver;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With OTLP export off, no OpenTelemetry class is loaded: cordon run starts as fast as before, and its AOT cache
 * (trained without export) still covers it. The run's command line, options and sink wiring go in a class loader of
 * their own, which records every class it defines; Session and GuardSession are linked there too (the verifier may
 * load the classes their code names). The same wiring with export on loads the SDK: the check can see it.
 */
class OtlpClassLoadingTest {
    private static final String[] RUN = {"run", "--no-dns-proxy", "--deny-cidr", "10.0.0.0/8", "--", "true"};

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

    private static Set<String> runIsolated(Map<String, String> env) throws Exception {
        try (Recording loader = new Recording()) {
            Class<?> run = Class.forName(IsolatedRun.class.getName(), true, loader);
            try {
                run.getMethod("run", String[].class, Map.class).invoke(null, RUN, env);
            } catch (InvocationTargetException e) {
                throw new AssertionError("the isolated run failed", e.getCause());
            }
            Class.forName("dev.cordon.session.Session", true, loader);
            Class.forName("dev.cordon.session.GuardSession", true, loader);
            return Set.copyOf(loader.defined);
        }
    }

    @Test
    void aRunWithoutExportLoadsNoOpenTelemetryClass() throws Exception {
        Set<String> loaded = runIsolated(Map.of());
        assertThat(loaded).as("the isolated loader defined cordon's classes itself")
                .contains(RunCommand.class.getName(), "dev.cordon.session.Session", "dev.cordon.session.GuardSession",
                        "dev.cordon.session.RunReports", "dev.cordon.events.ViolationLog", "dev.cordon.otlp.OtlpSettings");
        assertThat(loaded).filteredOn(n -> n.startsWith("io.opentelemetry.")).isEmpty();
        assertThat(loaded).doesNotContain("dev.cordon.otlp.OtlpSink", "dev.cordon.otlp.LogAttributes");
    }

    @Test
    void theSameRunWithExportLoadsTheSdk() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            Set<String> loaded = runIsolated(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url()));
            assertThat(loaded).contains("dev.cordon.otlp.OtlpSink", "io.opentelemetry.sdk.logs.SdkLoggerProvider",
                    "io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSender");
            assertThat(loaded).noneMatch(n -> n.startsWith("okhttp3.") || n.startsWith("kotlin."));
            assertThat(receiver.logs()).as("and it sent what it got").hasSize(8);
        }
    }
}
