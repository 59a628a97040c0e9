package dev.cordon.cli;

import dev.cordon.otlp.OtlpReceiver;
import dev.cordon.testing.RecordingClassLoader;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With OTLP export off, no OpenTelemetry class is loaded: cordon run starts as fast as before, and its AOT cache
 * (trained without export) still covers it. The run's command line, options and sink wiring go in a class loader of
 * their own, which records every class it defines; Session and GuardSession are linked there too (the verifier may
 * load the classes their code names). The same wiring with export on loads the SDK: the check can see it.
 */
class OtlpClassLoadingTest {
    private static final String[] RUN = {"run", "--no-dns-proxy", "--deny-cidr", "10.0.0.0/8", "--", "true"};

    private static Set<String> runIsolated(Map<String, String> env) throws Exception {
        try (RecordingClassLoader loader = new RecordingClassLoader()) {
            Class<?> run = Class.forName(IsolatedRun.class.getName(), true, loader);
            try {
                run.getMethod("run", String[].class, Map.class).invoke(null, RUN, env);
            } catch (InvocationTargetException e) {
                throw new AssertionError("the isolated run failed", e.getCause());
            }
            Class.forName("dev.cordon.session.Session", true, loader);
            Class.forName("dev.cordon.session.GuardSession", true, loader);
            return loader.defined();
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
