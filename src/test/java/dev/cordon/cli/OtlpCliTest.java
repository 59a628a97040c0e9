package dev.cordon.cli;

import dev.cordon.otlp.OtlpSettings;
import dev.cordon.session.GuardSession;
import dev.cordon.session.SessionOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** --otlp, --otlp-all and the OTEL_* variables on cordon run's and cordon guard's command lines. */
class OtlpCliTest {
    record Result(int code, String err, OtlpSettings otlp) {}

    private static Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true));
        RunCommand rc = cl.getSubcommands().get("run").getCommand();
        rc.output.environment = env;
        SessionOptions[] seen = new SessionOptions[1];
        rc.sessionRunner = o -> {
            seen[0] = o;
            return 0;
        };
        int code = cl.execute(args);
        return new Result(code, err.toString(), seen[0] == null ? null : seen[0].report().otlp());
    }

    private static Result guard(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true));
        GuardCommand gc = cl.getSubcommands().get("guard").getCommand();
        gc.output.environment = env;
        GuardSession.Options[] seen = new GuardSession.Options[1];
        gc.guardRunner = o -> {
            seen[0] = o;
            return 0;
        };
        int code = cl.execute(args);
        return new Result(code, err.toString(), seen[0] == null ? null : seen[0].report().otlp());
    }

    @Test
    void offUnlessAskedFor() {
        Result r = run(Map.of(), "run", "--no-dns-proxy", "--", "true");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.otlp()).isNull();
    }

    @Test
    void theOptionOrTheStandardVariableTurnsItOnForRunAndGuard() {
        Result option = run(Map.of(), "run", "--no-dns-proxy", "--otlp", "http://127.0.0.1:4318", "--otlp-all", "--", "true");
        assertThat(option.otlp().logs()).isEqualTo(URI.create("http://127.0.0.1:4318/v1/logs"));
        assertThat(option.otlp().all()).isTrue();
        Result env = guard(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.internal:4318", "OTEL_SERVICE_NAME", "deploy-guard"),
                "guard", "--cgroup", "deploy", "--no-dns-proxy");
        assertThat(env.code()).as(env.err()).isZero();
        assertThat(env.otlp().endpoint()).isEqualTo(URI.create("http://collector.internal:4318"));
        assertThat(env.otlp().serviceName()).isEqualTo("deploy-guard");
        assertThat(env.otlp().all()).isFalse();
    }

    @Test
    void badSettingsAreRefusedBeforeAnythingRuns() {
        Result r = run(Map.of(), "run", "--no-dns-proxy", "--otlp-all", "--", "true");
        assertThat(r.code()).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(r.err()).startsWith("cordon: --otlp-all needs --otlp URL or OTEL_EXPORTER_OTLP_ENDPOINT\n");
        Result grpc = guard(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
                "guard", "--cgroup", "deploy");
        assertThat(grpc.code()).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(grpc.err()).contains("OTEL_EXPORTER_OTLP_PROTOCOL=grpc: cordon sends OTLP over HTTP with protobuf only");
        assertThat(run(Map.of(), "run", "--otlp", "collector:4318", "--", "true").err())
                .contains("--otlp: give the collector's base URL as http://HOST:PORT");
    }
}
