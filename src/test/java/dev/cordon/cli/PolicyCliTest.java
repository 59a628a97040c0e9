package dev.cordon.cli;

import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainRule;
import dev.cordon.policy.EncryptedDns;
import dev.cordon.policy.IpRule;
import dev.cordon.policy.Mode;
import dev.cordon.session.SessionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** cordon run --policy (file and options merged) and cordon policy check, with the session faked. */
class PolicyCliTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err, SessionOptions options) {}

    private static Result cordon(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true));
        RunCommand rc = cl.getSubcommands().get("run").getCommand();
        SessionOptions[] seen = new SessionOptions[1];
        rc.sessionRunner = o -> {
            seen[0] = o;
            return 0;
        };
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString(), seen[0]);
    }

    private Path file(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }

    private static final String FULL = """
            version: 1
            mode: audit
            default: deny
            loopback: rules
            allowRawSockets: true
            dns:
              upstreams: [127.0.0.1:5353]
              blockedResponse: refused
              upstreamTimeoutMs: 1500
            allow:
              domains: [github.com]
              cidrs:
                - cidr: 10.0.0.0/8
                  ports: [443]
            deny:
              domains: [api.github.com]
            """;

    // ---- cordon run --policy

    @Test
    void theFileDecidesWhatTheCommandLineDoesNotSay() throws IOException {
        Path f = file("policy.yaml", FULL);
        Result r = cordon("run", "--policy", f.toString(), "--", "true");
        assertThat(r.code()).as(r.err()).isZero();
        SessionOptions o = r.options();
        assertThat(o.mode()).isEqualTo(Mode.AUDIT);
        assertThat(o.allowRawSockets()).isTrue();
        assertThat(o.policy().defaultAction()).isEqualTo(Action.DENY);
        assertThat(o.policy().rules()).as("loopback: rules adds no implicit loopback allow").filteredOn(x -> !EncryptedDns.isOrigin(x.origin()))
                .extracting(IpRule::origin).containsExactly(f + ":13");
        assertThat(o.policy().decide(Cidr.parse("10.1.2.3").address(), 443)).isEqualTo(Action.ALLOW);
        assertThat(o.policy().decide(Cidr.parse("10.1.2.3").address(), 22)).isEqualTo(Action.DENY);
        assertThat(o.policy().decide(Cidr.parse("127.0.0.1").address(), 80)).isEqualTo(Action.DENY);
        assertThat(o.dns().mode()).isEqualTo(Mode.AUDIT);
        assertThat(o.dns().blockedResponse()).isEqualTo(BlockedResponse.REFUSED);
        assertThat(o.dns().upstreams()).containsExactly(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 5353));
        assertThat(o.dns().upstreamTimeout().toMillis()).isEqualTo(1500);
        assertThat(o.dns().policy().rules()).filteredOn(x -> !EncryptedDns.isOrigin(x.origin())).extracting(DomainRule::origin).containsExactly(f + ":11", f + ":16");
        assertThat(o.dns().policy().decide("api.github.com").denied()).isTrue();
        assertThat(o.dns().policy().decide("www.github.com").denied()).isFalse();
        assertThat(r.err()).isEmpty();
    }

    @Test
    void commandLineSettingsOverrideTheFileAndRulesAddToIt() throws IOException {
        Path f = file("policy.yaml", FULL);
        Result r = cordon("run", "--policy", f.toString(), "--mode", "enforce", "--default", "allow", "--loopback", "allow",
                "--blocked-response", "nxdomain", "--upstream-timeout", "700", "--upstream", "127.0.0.2",
                "--deny", "github.com", "--allow", "gist.github.com", "--deny-cidr", "10.9.0.0/16", "--", "true");
        assertThat(r.code()).as(r.err()).isZero();
        SessionOptions o = r.options();
        assertThat(o.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(o.policy().defaultAction()).isEqualTo(Action.ALLOW);
        assertThat(o.dns().blockedResponse()).isEqualTo(BlockedResponse.NXDOMAIN);
        assertThat(o.dns().upstreamTimeout().toMillis()).isEqualTo(700);
        assertThat(o.dns().upstreams()).as("--upstream replaces the file's list")
                .containsExactly(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.2"), 53));
        assertThat(o.policy().rules()).filteredOn(x -> !EncryptedDns.isOrigin(x.origin())).extracting(IpRule::origin).containsExactly(f + ":13", "--deny-cidr", "loopback", "loopback");
        // the same pattern allowed in the file and denied on the command line: denied, with the flag as origin
        assertThat(o.dns().policy().rules()).filteredOn(x -> !EncryptedDns.isOrigin(x.origin())).extracting(rule -> rule.pattern() + " " + rule.action().label() + " " + rule.origin())
                .containsExactly("github.com deny --deny", "api.github.com deny " + f + ":16", "gist.github.com allow --allow");
        assertThat(o.policy().decide(Cidr.parse("127.0.0.1").address(), 80)).isEqualTo(Action.ALLOW);
    }

    @Test
    void withoutAFileTheBuiltInDefaultsApply() {
        SessionOptions o = cordon("run", "--upstream", "127.0.0.1", "--", "true").options();
        assertThat(o.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(o.allowRawSockets()).isFalse();
        assertThat(o.policy().defaultAction()).isEqualTo(Action.ALLOW);
        assertThat(o.dns().blockedResponse()).isEqualTo(BlockedResponse.NXDOMAIN);
        assertThat(o.dns().upstreamTimeout().toMillis()).isEqualTo(2000);
        assertThat(cordon("run", "--loopback", "rules", "--", "true").options().policy().rules()).filteredOn(x -> !EncryptedDns.isOrigin(x.origin())).isEmpty();
    }

    @Test
    void aBadFileIsReportedInFullAnd125WithoutRunning() throws IOException {
        Path f = file("bad.yaml", "version: 1\nmdoe: audit\ndeny:\n  cidrs: [10.0.0.1/8]\n");
        Result r = cordon("run", "--policy", f.toString(), "--", "true");
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.options()).isNull();
        assertThat(r.err().split("\n")).containsExactly(
                f + ":2:1: error: unknown key 'mdoe'; did you mean 'mode'?",
                f + ":4:11: error: bad CIDR '10.0.0.1/8': host bits are set; did you mean 10.0.0.0/8?",
                "cordon: " + f + ": 2 error(s); nothing was run");
    }

    @Test
    void warningsArePrintedAndTheCommandRuns() throws IOException {
        Path f = file("warn.yaml", "version: 1\ndeny:\n  domains: [github.com, github.com]\n");
        Result r = cordon("run", "--policy", f.toString(), "--upstream", "127.0.0.1", "--", "true");
        assertThat(r.code()).isZero();
        assertThat(r.options()).isNotNull();
        assertThat(r.err()).isEqualTo(f + ":3:25: warning: duplicate rule: github.com is already denied at line 3\n");
    }

    @Test
    void anUnreadableFileIs125() {
        Result r = cordon("run", "--policy", dir.resolve("missing.yaml").toString(), "--", "true");
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.options()).isNull();
        assertThat(r.err()).isEqualTo("cordon: cannot read policy file " + dir.resolve("missing.yaml") + ": no such file\n");
    }

    @Test
    void domainRulesFromTheFileNeedTheProxy() throws IOException {
        Path f = file("d.yaml", "version: 1\ndeny:\n  domains: [github.com]\n");
        Result r = cordon("run", "--policy", f.toString(), "--no-dns-proxy", "--", "true");
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.err()).contains("need the DNS proxy");
    }

    @Test
    void helpDocumentsThePrecedence() {
        Result r = cordon("run", "--help");
        assertThat(r.out().replaceAll("\\s+", " ")).contains("--policy=FILE", "--loopback=allow|rules", "override the file's", "replaces the file's",
                "add to the file's rules", "(default: allow)", "(default: enforce)", "(default: nxdomain)", "(default: 2000)");
    }

    // ---- cordon policy check

    @Test
    void everyExamplePolicyChecksValid() throws IOException {
        List<String> args = new ArrayList<>(List.of("policy", "check"));
        try (Stream<Path> s = Files.list(Path.of("examples"))) {
            s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().map(Path::toString).forEach(args::add);
        }
        Result r = cordon(args.toArray(String[]::new));
        assertThat(r.code()).as(r.out()).isZero();
        int n = args.size() - 2;
        assertThat(r.out()).isEqualTo("valid: " + n + " files checked, 0 errors, 0 warnings\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void checkReportsEveryProblemThenAVerdict() throws IOException {
        Path good = file("good.yaml", "version: 1\ndeny:\n  domains: [github.com, github.com]\n");
        Path bad = file("bad.yaml", "version: 2\nallow:\n  cidrs:\n    - cidr: 10.0.0.0/8\n      ports: [0]\n");
        Result r = cordon("policy", "check", good.toString(), bad.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out().split("\n")).containsExactly(
                good + ":3:25: warning: duplicate rule: github.com is already denied at line 3",
                bad + ":1:10: error: unsupported version 2: this cordon reads version 1",
                bad + ":5:15: error: bad port '0': 0 is not in 1-65535",
                "INVALID: 2 files checked, 2 errors, 1 warning (1 invalid)");
        assertThat(r.options()).isNull();
    }

    @Test
    void aValidFileWithWarningsIs0() throws IOException {
        Path f = file("w.yaml", "version: 1\ndefault: deny\ndeny:\n  domains: [x.example]\n");
        Result r = cordon("policy", "check", f.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).endsWith("valid: 1 file checked, 0 errors, 1 warning\n");
    }

    @Test
    void anUnreadableFileIs125AndTheOthersAreStillChecked() throws IOException {
        Path bad = file("bad.yaml", "version: 1\nmode: x\n");
        Result r = cordon("policy", "check", dir.resolve("nope.yaml").toString(), bad.toString());
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.err()).isEqualTo("cordon: cannot read " + dir.resolve("nope.yaml") + ": no such file\n");
        assertThat(r.out()).contains(bad + ":2:7: error: 'mode' must be enforce | audit, not 'x'")
                .contains("INVALID: 1 file checked, 1 error, 0 warnings (1 invalid), 1 unreadable");
    }

    @Test
    void checkWithoutFilesIsAUsageError() {
        Result r = cordon("policy", "check");
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.err()).contains("FILE");
        assertThat(cordon("policy").code()).isEqualTo(125);
    }

    @Test
    void untrustedTextInTheFileIsEscapedForTheTerminal() throws IOException {
        Path f = file("esc.yaml", "version: 1\n\"mo\\e[31mde\": audit\ndeny:\n  domains: [\"evil\\u202e.com\"]\n");
        Result r = cordon("policy", "check", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).doesNotContain("\u001b").doesNotContain("\u202e")
                .contains("unknown key 'mo\\x1b[31mde'").contains("\\u202e");
    }

    @Test
    void schemaPrintsTheSchema() {
        Result r = cordon("policy", "schema");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\"");
    }
}
