package dev.cordon.cli;

import dev.cordon.policy.Action;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.EncryptedDns;
import dev.cordon.policy.IpRule;
import dev.cordon.policy.Mode;
import dev.cordon.policy.PolicyException;
import dev.cordon.session.CommandLauncher;
import dev.cordon.session.CordonException;
import dev.cordon.session.SessionOptions;
import dev.cordon.testing.NoDnsResolverProvider;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line as users meet it, with the session replaced by a recording fake. */
class CliTest {
    /** What one invocation did: exit code, both streams, and the options the session would have got. */
    record Result(int code, String out, String err, SessionOptions options) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\n", -1)).subList(0, err.split("\n", -1).length - 1);
        }
    }

    private static Result run(Function<SessionOptions, Integer> behaviour, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true));
        RunCommand rc = cl.getSubcommands().get("run").getCommand();
        SessionOptions[] seen = new SessionOptions[1];
        rc.sessionRunner = o -> {
            seen[0] = o;
            return behaviour.apply(o);
        };
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        return new Result(code, out.toString(), err.toString(), seen[0]);
    }

    private static Result run(String... args) {
        return run(o -> 0, args);
    }

    private static void assertUsageError(Result r) {
        assertThat(r.code()).isEqualTo(125).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(r.options()).as("no session may start on a usage error").isNull();
        assertThat(r.out()).isEmpty();
    }

    // --- usage errors: 125, one line naming the problem, one line pointing at --help

    @Test
    void unknownOptionIs125WithOneLineAndAHint() {
        Result r = run("run", "--bogus", "--", "true");
        assertUsageError(r);
        assertThat(r.errLines()).containsExactly(
                "cordon: Unknown option: '--bogus'",
                "Try 'cordon run --help' for more information.");
    }

    @Test
    void unknownTopLevelOptionPointsAtTopLevelHelp() {
        Result r = run("--bogus");
        assertUsageError(r);
        assertThat(r.errLines()).hasSize(2);
        assertThat(r.errLines().get(0)).startsWith("cordon: ").contains("--bogus");
        assertThat(r.errLines().get(1)).isEqualTo("Try 'cordon --help' for more information.");
    }

    @Test
    void unknownSubcommandIs125() {
        Result r = run("frobnicate");
        assertUsageError(r);
        assertThat(r.errLines().get(0)).startsWith("cordon: ").contains("frobnicate");
    }

    @Test
    void cidrWithHostBitsIs125AndSuggestsTheFix() {
        Result r = run("run", "--deny-cidr", "10.0.0.1/8", "--", "true");
        assertUsageError(r);
        assertThat(r.errLines()).hasSize(2);
        assertThat(r.errLines().get(0)).startsWith("cordon: ").contains("--deny-cidr").contains("'10.0.0.1/8'")
                .contains("did you mean 10.0.0.0/8?");
        assertThat(r.errLines().get(1)).isEqualTo("Try 'cordon run --help' for more information.");
    }

    @Test
    void nonsenseCidrIs125AndNamesTheValue() {
        Result r = run("run", "--deny-cidr", "nope", "--", "true");
        assertUsageError(r);
        assertThat(r.errLines().get(0)).startsWith("cordon: ").contains("'nope'");
    }

    @Test
    void hostNameAsCidrIs125WithoutALookup() {
        int before = NoDnsResolverProvider.lookups().size();
        Result r = run("run", "--allow-cidr", "github.com", "--", "true");
        assertUsageError(r);
        assertThat(r.errLines().get(0)).contains("'github.com'").contains("not an IP address");
        assertThat(NoDnsResolverProvider.lookups()).hasSize(before);
    }

    @Test
    void runWithoutACommandIs125() {
        for (String[] args : new String[][] {{"run"}, {"run", "--"}, {"run", "--mode", "audit"}}) {
            Result r = run(args);
            assertUsageError(r);
            assertThat(r.errLines().get(0)).as(String.join(" ", args)).startsWith("cordon: ").contains("COMMAND");
            assertThat(r.errLines().get(1)).isEqualTo("Try 'cordon run --help' for more information.");
        }
    }

    @Test
    void badEnumValueIs125AndListsTheChoices() {
        Result r = run("run", "--mode", "block", "--", "true");
        assertUsageError(r);
        assertThat(r.errLines().get(0)).startsWith("cordon: ").contains("block").contains("ENFORCE").contains("AUDIT");
    }

    // --- what reaches the session

    @Test
    void defaults() {
        Result r = run("run", "--", "true");
        assertThat(r.code()).isZero();
        SessionOptions o = r.options();
        assertThat(o.command()).containsExactly("true");
        assertThat(o.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(o.policy().defaultAction()).isEqualTo(Action.ALLOW);
        assertThat(o.eventsFile()).isNull();
        assertThat(o.stdio()).isEqualTo(CommandLauncher.Stdio.INHERIT);
        assertThat(o.policy().rules()).extracting(IpRule::origin).containsOnly(IpRule.LOOPBACK, EncryptedDns.ORIGIN);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void modeAndDefaultAreParsed() {
        SessionOptions o = run("run", "--mode", "audit", "--default", "deny", "--", "true").options();
        assertThat(o.mode()).isEqualTo(Mode.AUDIT);
        assertThat(o.policy().defaultAction()).isEqualTo(Action.DENY);
    }

    @Test
    void enumValuesAreCaseInsensitive() {
        assertThat(run("run", "--mode", "ENFORCE", "--", "true").options().mode()).isEqualTo(Mode.ENFORCE);
        assertThat(run("run", "--mode", "Audit", "--", "true").options().mode()).isEqualTo(Mode.AUDIT);
        assertThat(run("run", "--default", "DeNy", "--", "true").options().policy().defaultAction()).isEqualTo(Action.DENY);
        assertThat(run("run", "--mode=AUDIT", "--", "true").options().mode()).isEqualTo(Mode.AUDIT);
    }

    @Test
    void policyEventsFileAndCommandReachTheSession() {
        Result r = run("run", "--deny-cidr", "10.0.0.0/8", "--allow-cidr", "10.1.0.0/16", "--deny-cidr", "2001:db8::/32",
                "--deny-cidr=192.0.2.7", "--events", "/tmp/cordon-events.jsonl", "--", "curl", "-sS", "http://x");
        assertThat(r.code()).isZero();
        SessionOptions o = r.options();
        assertThat(o.command()).containsExactly("curl", "-sS", "http://x");
        assertThat(o.eventsFile()).isEqualTo(Path.of("/tmp/cordon-events.jsonl"));
        assertThat(o.policy().rules()).filteredOn(rule -> !rule.origin().equals(IpRule.LOOPBACK) && !EncryptedDns.isOrigin(rule.origin()))
                .extracting(IpRule::cidr, IpRule::action)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Cidr.parse("10.1.0.0/16"), Action.ALLOW),
                        org.assertj.core.groups.Tuple.tuple(Cidr.parse("10.0.0.0/8"), Action.DENY),
                        org.assertj.core.groups.Tuple.tuple(Cidr.parse("2001:db8::/32"), Action.DENY),
                        org.assertj.core.groups.Tuple.tuple(Cidr.parse("192.0.2.7/32"), Action.DENY));
        assertThat(o.policy().decide(Cidr.parse("10.1.2.3").address())).isEqualTo(Action.ALLOW);
        assertThat(o.policy().decide(Cidr.parse("10.2.2.3").address())).isEqualTo(Action.DENY);
    }

    @Test
    void withoutDoubleDashTheCommandKeepsItsOwnOptions() {
        Result r = run("run", "curl", "-sS", "http://x");
        assertThat(r.code()).isZero();
        assertThat(r.options().command()).containsExactly("curl", "-sS", "http://x");

        // cordon's own option names after the command belong to the command too
        Result r2 = run("run", "--mode", "audit", "env", "--mode", "enforce", "--help", "--", "x");
        assertThat(r2.options().mode()).isEqualTo(Mode.AUDIT);
        assertThat(r2.options().command()).containsExactly("env", "--mode", "enforce", "--help", "--", "x");
        assertThat(r2.out()).isEmpty();
    }

    @Test
    void afterDoubleDashEvenOptionLikeWordsAreTheCommand() {
        assertThat(run("run", "--", "--version").options().command()).containsExactly("--version");
    }

    @Test
    void theCommandsExitStatusIsCordonsExitStatus() {
        assertThat(run(o -> 3, "run", "--", "false").code()).isEqualTo(3);
        assertThat(run(o -> 137, "run", "--", "sleep", "9").code()).isEqualTo(137);
    }

    // --- failures of cordon itself

    @Test
    void cordonExceptionFromTheSessionIs125AndOneLine() {
        Result r = run(o -> {
            throw new CordonException("no cgroup2 filesystem is mounted");
        }, "run", "--", "true");
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.errLines()).containsExactly("cordon: no cgroup2 filesystem is mounted");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void policyExceptionFromTheSessionIs125AndOneLine() {
        Result r = run(o -> {
            throw new PolicyException("too many rules");
        }, "run", "--", "true");
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.errLines()).containsExactly("cordon: too many rules");
    }

    @Test
    void unexpectedExceptionIs125AndSaysInternalError() {
        Result r = run(o -> {
            throw new IllegalStateException("boom");
        }, "run", "--", "true");
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.errLines().get(0)).isEqualTo("cordon: internal error: java.lang.IllegalStateException: boom");
    }

    // --- help and version

    @Test
    void runHelpIs0AndListsTheOptions() {
        Result r = run("run", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.options()).isNull();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("cordon run [OPTIONS] -- COMMAND [ARGS...]",
                "--deny-cidr=CIDR", "--allow-cidr=CIDR", "--default=allow|deny", "--mode=enforce|audit",
                "--events=FILE", "--debug", "--help", "--version");
        assertThat(r.out()).contains("(default: allow)", "(default: enforce)");
    }

    @Test
    void topLevelHelpIs0AndListsTheSubcommands() {
        Result r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("run", "doctor", "125");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void versionIs0() {
        Result r = run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("cordon ");
    }

    @Test
    void noSubcommandPrintsUsageOnErrAnd125() {
        Result r = run();
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.err()).contains("Usage:").contains("run");
        assertThat(r.out()).isEmpty();
    }

    // --- outage, reports, exit policy

    @Test
    void outageOptionsReachTheSessionWithTheirDefaults() {
        Result r = run("run", "--upstream", "127.0.0.1:5353", "--simulate-outage", "github.com", "--simulate-outage", "*.example.org",
                "--", "true");
        assertThat(r.code()).as(r.err()).isZero();
        var plan = r.options().outage();
        assertThat(plan.domains()).extracting(Object::toString).containsExactly("github.com", "*.example.org");
        assertThat(plan.style()).isEqualTo(dev.cordon.policy.OutageStyle.TIMEOUT);
        assertThat(plan.maxWait()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(r.options().dns().outage()).isEqualTo(plan);
        assertThat(plan.match("api.github.com.")).isPresent();
        assertThat(plan.match("example.org")).as("*. covers subdomains only").isEmpty();
    }

    @Test
    void outageWaitAcceptsSecondsMillisecondsAndMinutes() {
        for (String[] c : new String[][] {{"500ms", "500"}, {"1.5", "1500"}, {"2s", "2000"}, {"1m", "60000"}}) {
            Result r = run("run", "--upstream", "127.0.0.1:5353", "--simulate-outage", "github.com", "--outage-style", "refuse",
                    "--outage-wait", c[0], "--", "true");
            assertThat(r.code()).as(c[0] + ": " + r.err()).isZero();
            assertThat(r.options().outage().maxWait().toMillis()).as(c[0]).isEqualTo(Long.parseLong(c[1]));
            assertThat(r.options().outage().style()).isEqualTo(dev.cordon.policy.OutageStyle.REFUSE);
        }
    }

    @Test
    void badOutageOptionsAreUsageErrors() {
        Result wait = run("run", "--upstream", "127.0.0.1:5353", "--simulate-outage", "github.com", "--outage-wait", "soon", "--", "true");
        assertUsageError(wait);
        assertThat(wait.err()).contains("'soon' is not a duration");
        Result zero = run("run", "--upstream", "127.0.0.1:5353", "--simulate-outage", "github.com", "--outage-wait", "0s", "--", "true");
        assertThat(zero.code()).isEqualTo(125);
        assertThat(zero.err()).contains("--outage-wait must be more than 0");
        Result style = run("run", "--upstream", "127.0.0.1:5353", "--simulate-outage", "github.com", "--outage-style", "slow", "--", "true");
        assertUsageError(style);
        Result noProxy = run("run", "--no-dns-proxy", "--simulate-outage", "github.com", "--", "true");
        assertThat(noProxy.code()).isEqualTo(125);
        assertThat(noProxy.options()).isNull();
        assertThat(noProxy.err()).contains("--simulate-outage needs the DNS proxy");
    }

    @Test
    void reportsAndExitPolicyReachTheSession() {
        Result r = run("run", "--upstream", "127.0.0.1:5353", "--report", "out.md", "--report", "out.html", "--fail-on-violation",
                "--no-summary", "--", "true");
        assertThat(r.code()).as(r.err()).isZero();
        SessionOptions.Reporting rep = r.options().report();
        assertThat(rep.reports()).containsExactly(Path.of("out.md"), Path.of("out.html"));
        assertThat(rep.failOnViolation()).isTrue();
        assertThat(rep.summary()).isFalse();
        assertThat(SessionOptions.EXIT_VIOLATION).isEqualTo(120);

        Result plain = run("run", "--upstream", "127.0.0.1:5353", "--", "true");
        assertThat(plain.options().report().summary()).as("the summary is on by default").isTrue();
        assertThat(plain.options().report().failOnViolation()).isFalse();
    }

    @Test
    void aReportWithAnUnknownExtensionFailsBeforeTheCommandRuns() {
        Result r = run("run", "--upstream", "127.0.0.1:5353", "--report", "out.pdf", "--", "true");
        assertUsageError(r);
        assertThat(r.err()).contains("out.pdf");
    }

    @Test
    void theFirstBytesCheckIsOnWithTheProxyAndNoFirstBytesTurnsItOff() {
        assertThat(run("run", "--upstream", "127.0.0.1:5353", "--", "true").options().dns().firstBytes()).isTrue();
        SessionOptions off = run("run", "--no-first-bytes", "--deny", "github.com", "--upstream", "127.0.0.1:5353", "--", "true").options();
        assertThat(off.dns().firstBytes()).isFalse();
        assertThat(off.dns().policy().decide("github.com").denied()).as("DNS still judged").isTrue();
    }

    // --- encrypted DNS and rebinding

    @Test
    void encryptedDnsIsBlockedByDefaultAndTheFlagDropsIt() {
        SessionOptions o = run("run", "--upstream", "127.0.0.1:5353", "--", "true").options();
        assertThat(o.policy().decide(Cidr.parse("1.1.1.1").address(), 443)).isEqualTo(Action.DENY);
        assertThat(o.policy().decide(Cidr.parse("127.0.0.1").address(), 853)).isEqualTo(Action.DENY);
        assertThat(o.dns().policy().decide("dns.google.").action()).isEqualTo(Action.DENY);
        assertThat(o.dns().blockPrivateAnswers()).isFalse();

        SessionOptions off = run("run", "--allow-encrypted-dns", "--upstream", "127.0.0.1:5353", "--", "true").options();
        assertThat(off.policy().rules()).noneMatch(r -> EncryptedDns.isOrigin(r.origin()));
        assertThat(off.dns().policy().decide("dns.google.").action()).isEqualTo(Action.ALLOW);
    }

    @Test
    void anExtraListAndBlockPrivateAnswersReachTheSession() throws java.io.IOException {
        Path list = java.nio.file.Files.createTempFile("cordon-edns", ".txt");
        try {
            java.nio.file.Files.writeString(list, "# ours\ndoh.example.net\n192.0.2.53\n");
            SessionOptions o = run("run", "--encrypted-dns-list", list.toString(), "--block-private-answers",
                    "--upstream", "127.0.0.1:5353", "--", "true").options();
            assertThat(o.policy().decide(Cidr.parse("192.0.2.53").address(), 443)).isEqualTo(Action.DENY);
            assertThat(o.dns().policy().decide("doh.example.net.").action()).isEqualTo(Action.DENY);
            assertThat(o.dns().blockPrivateAnswers()).isTrue();

            java.nio.file.Files.writeString(list, "doh.example.net\n10.1.2.3/8\n");
            Result bad = run("run", "--encrypted-dns-list", list.toString(), "--upstream", "127.0.0.1:5353", "--", "true");
            assertThat(bad.code()).isEqualTo(125);
            assertThat(bad.err()).contains(list + ":2: bad CIDR");
        } finally {
            java.nio.file.Files.deleteIfExists(list);
        }
    }

    @Test
    void thePolicyFileKeysWork() throws java.io.IOException {
        Path file = java.nio.file.Files.createTempFile("cordon-policy", ".yaml");
        try {
            java.nio.file.Files.writeString(file, "version: 1\nencryptedDns: allow\ndns:\n  upstreams: [127.0.0.1:5353]\n"
                    + "  blockPrivateAnswers: true\n");
            SessionOptions o = run("run", "--policy", file.toString(), "--", "true").options();
            assertThat(o.policy().rules()).noneMatch(r -> EncryptedDns.isOrigin(r.origin()));
            assertThat(o.dns().blockPrivateAnswers()).isTrue();
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }
}
