package dev.cordon.cli;

import dev.cordon.session.Containment;
import dev.cordon.session.SessionOptions;
import dev.cordon.sys.Capability;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** --keep-cap and --user as users meet them: validated before any session starts. */
class ContainmentCliTest {
    record Result(int code, String err, SessionOptions options) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true));
        RunCommand rc = cl.getSubcommands().get("run").getCommand();
        SessionOptions[] seen = new SessionOptions[1];
        rc.sessionRunner = o -> {
            seen[0] = o;
            return 0;
        };
        int code = cl.execute(args);
        cl.getErr().flush();
        return new Result(code, err.toString(), seen[0]);
    }

    @Test
    void byDefaultNothingIsKeptAndTheUserStays() {
        Result r = run("run", "--no-dns-proxy", "--", "true");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.options().containment()).isEqualTo(Containment.DEFAULT);
    }

    @Test
    void keepCapIsRepeatableAndTakesEverySpelling() {
        Result r = run("run", "--no-dns-proxy", "--keep-cap", "net_raw", "--keep-cap", "CAP_SYS_PTRACE", "--keep-cap", "Net-Admin",
                "--", "true");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.options().containment().keep()).isEqualTo(Set.of(Capability.NET_RAW, Capability.SYS_PTRACE, Capability.NET_ADMIN));
    }

    @Test
    void anUnknownCapabilityIsAUsageErrorNamingTheChoices() {
        Result r = run("run", "--no-dns-proxy", "--keep-cap", "net_rwa", "--", "true");
        assertThat(r.code()).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(r.options()).isNull();
        assertThat(r.err()).contains("unknown capability 'net_rwa' for --keep-cap; cordon drops: sys_admin, net_admin, net_raw, bpf");
    }

    @Test
    void aCapabilityCordonDoesNotDropIsAnError() {
        Result r = run("run", "--no-dns-proxy", "--keep-cap", "chown", "--", "true");
        assertThat(r.code()).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(r.options()).isNull();
        assertThat(r.err()).contains("--keep-cap chown: cordon does not drop CAP_CHOWN");
    }

    @Test
    void userIsLookedUpByNameOrNumber() {
        Result r = run("run", "--no-dns-proxy", "--user", "nobody", "--", "true");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.options().containment().user().name()).isEqualTo("nobody");
        assertThat(r.options().containment().user().uid()).isEqualTo(65534);
        assertThat(run("run", "--no-dns-proxy", "--user", "0", "--", "true").options().containment().user().name()).isEqualTo("root");
    }

    @Test
    void anUnknownUserFailsBeforeAnythingIsSetUp() {
        Result r = run("run", "--no-dns-proxy", "--user", "cordon-no-such-user", "--", "true");
        assertThat(r.code()).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(r.options()).as("no session").isNull();
        assertThat(r.err()).contains("unknown user 'cordon-no-such-user'");
    }

    @Test
    void hostileUserNamesAreEscapedInTheError() {
        Result r = run("run", "--no-dns-proxy", "--user", "x\u001b[31m", "--", "true");
        assertThat(r.code()).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(r.err()).doesNotContain("\u001b");
    }
}
