package dev.cordon.cli;

import dev.cordon.policy.Action;
import dev.cordon.policy.Mode;
import dev.cordon.policy.file.PolicyFileException;
import dev.cordon.session.GuardSession;
import dev.cordon.session.SessionRecord;
import dev.cordon.sys.Systemd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** cordon guard's command line, with the guard itself and systemd faked. */
class GuardCliTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err, GuardSession.Options options) {}

    private Result cordon(Systemd systemd, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true));
        GuardCommand gc = cl.getSubcommands().get("guard").getCommand();
        GuardSession.Options[] seen = new GuardSession.Options[1];
        gc.guardRunner = o -> {
            seen[0] = o;
            return 0;
        };
        if (systemd != null) gc.systemd = systemd;
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString(), seen[0]);
    }

    private Result cordon(String... args) {
        return cordon(new Systemd(dir.resolve("no-systemd"), argv -> "/unused"), args);
    }

    private void assertRefused(Result r, String message) {
        assertThat(r.code()).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(r.options()).as("no guard may start").isNull();
        assertThat(r.err()).contains(message);
    }

    @Test
    void theCgroupIsGivenOnceAsPathOrUnit() {
        assertRefused(cordon("guard", "--deny", "github.com"), "--cgroup PATH or --unit NAME");
        assertRefused(cordon("guard", "--cgroup", "deploy", "--unit", "deploy.slice"), "--cgroup PATH or --unit NAME");
        assertRefused(cordon("guard", "--release", "deploy", "--cgroup", "deploy"), "--release PATH stands alone");
        assertRefused(cordon("guard", "--cgroup", "deploy", "--on-exit", "later"), "on-exit must be closed or release");
    }

    @Test
    void policyOptionsReachTheGuardAsForRun() {
        Result r = cordon("guard", "--cgroup", "deploy/jobs", "--create", "--on-exit", "release", "--deny", "github.com",
                "--deny-cidr", "10.0.0.0/8", "--mode", "audit", "--upstream", "127.0.0.1:5353", "--egress-rate", "10Mbit");
        assertThat(r.code()).isZero();
        GuardSession.Options o = r.options();
        assertThat(o.cgroup()).isEqualTo("deploy/jobs");
        assertThat(o.create()).isTrue();
        assertThat(o.onExit()).isEqualTo(SessionRecord.OnExit.RELEASE);
        assertThat(o.mode()).isEqualTo(Mode.AUDIT);
        assertThat(o.dns().policy().decide("api.github.com").denied()).isTrue();
        assertThat(o.policy().rules()).anySatisfy(rule -> assertThat(rule.cidr().toString()).isEqualTo("10.0.0.0/8"));
        assertThat(o.limits().egressRate().bytesPerSecond()).isEqualTo(1_250_000);
        assertThat(o.reload()).as("no --policy: nothing to reload").isNull();
        assertThat(o.argv()).startsWith("cordon", "guard", "--cgroup", "deploy/jobs");
        assertThat(cordon("guard", "--cgroup", "x").options().onExit()).as("fail closed by default").isEqualTo(SessionRecord.OnExit.CLOSED);
    }

    @Test
    void unitNeedsSystemdAndOtherwiseResolvesToItsCgroup() throws IOException {
        assertRefused(cordon("guard", "--unit", "deploy.slice"), "--unit needs systemd as PID 1");
        Files.createDirectories(dir.resolve("systemd"));
        Result r = cordon(new Systemd(dir.resolve("systemd"), argv -> "/deploy.slice\n"), "guard", "--unit", "deploy.slice",
                "--upstream", "127.0.0.1");
        assertThat(r.options().cgroup()).isEqualTo("deploy.slice");
        assertRefused(cordon(new Systemd(dir.resolve("systemd"), argv -> "/x"), "guard", "--unit", "x.service", "--create"),
                "--create goes with --cgroup");
        assertRefused(cordon(new Systemd(dir.resolve("systemd"), argv -> "/deploy.slice"), "guard", "--unit", "deploy.slice",
                "--memory", "512M"), "set MemoryMax=, CPUQuota= and TasksMax= on deploy.slice instead");
    }

    @Test
    void sigHupReadsTheFileAgainAndSaysWhatOnlyARestartChanges() throws IOException {
        Path policy = Files.writeString(dir.resolve("p.yaml"), """
                version: 1
                dns:
                  upstreams: [127.0.0.1:5353]
                deny:
                  domains: [example.org]
                """);
        Result r = cordon("guard", "--cgroup", "deploy", "--policy", policy.toString());
        assertThat(r.err()).isEmpty();
        GuardSession.Reloader reload = r.options().reload();
        assertThat(reload).isNotNull();
        assertThat(r.options().dns().policy().decide("example.com").denied()).isFalse();
        assertThat(r.options().dns().policy().decide("example.org").denied()).isTrue();

        Files.writeString(policy, """
                version: 1
                mode: audit
                default: deny
                dns:
                  upstreams: [127.0.0.1:5354]
                deny:
                  domains: [example.com]
                """);
        GuardSession.Reloaded now = reload.reload(new PrintWriter(new StringWriter()));
        assertThat(now.mode()).isEqualTo(Mode.AUDIT);
        assertThat(now.ip().defaultAction()).isEqualTo(Action.DENY);
        assertThat(now.names().decide("example.com").denied()).isTrue();
        assertThat(now.names().decide("example.org").denied()).as("denied by default now").isTrue();
        assertThat(now.restartOnly()).containsExactly("upstreams changed; it takes effect when the guard restarts");

        Files.writeString(policy, "version: 1\ndeny:\n  domains: [\"not a domain!\"]\n");
        assertThatThrownBy(() -> reload.reload(new PrintWriter(new StringWriter()))).isInstanceOf(PolicyFileException.class);
    }

    @Test
    void releaseNeedsRoot() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true));
        GuardCommand gc = cl.getSubcommands().get("guard").getCommand();
        gc.privileged = () -> false;
        assertThat(cl.execute("guard", "--release", "deploy")).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(err.toString()).contains("cordon guard --release needs root");
    }

    @Test
    void metricsListenOnLoopbackUnlessRemoteIsAllowed() {
        assertThat(cordon("guard", "--cgroup", "x").options().metrics()).as("no metrics unless asked").isNull();
        assertThat(cordon("guard", "--cgroup", "x", "--metrics-listen", "127.0.0.1:9464").options().metrics().text())
                .isEqualTo("127.0.0.1:9464");
        assertThat(cordon("guard", "--cgroup", "x", "--metrics-listen", "[::1]:0").options().metrics().text()).isEqualTo("[::1]:0");
        assertRefused(cordon("guard", "--cgroup", "x", "--metrics-listen", "9464"),
                "Invalid value for option '--metrics-listen': bad --metrics-listen '9464': give an address and a port, e.g. 127.0.0.1:9464");
        assertRefused(cordon("guard", "--cgroup", "x", "--metrics-listen", "metrics.internal:9464"), "give an IP address or localhost, not a name");
        assertRefused(cordon("guard", "--cgroup", "x", "--metrics-listen", "0.0.0.0:9464"),
                "--metrics-listen 0.0.0.0:9464 would serve the metrics to the network");
        assertThat(cordon("guard", "--cgroup", "x", "--metrics-listen", "0.0.0.0:9464", "--metrics-allow-remote").options().metrics().text())
                .isEqualTo("0.0.0.0:9464");
        assertRefused(cordon("guard", "--cgroup", "x", "--metrics-allow-remote"), "--metrics-allow-remote goes with --metrics-listen IP:PORT");
        assertRefused(cordon("guard", "--release", "x", "--metrics-listen", "127.0.0.1:9464"), "--release PATH stands alone");
    }
}
