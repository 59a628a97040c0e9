package dev.cordon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static dev.cordon.it.DnsWorld.EVIL_IP;
import static dev.cordon.it.DnsWorld.EVIL_SUFFIX_IP;
import static dev.cordon.it.DnsWorld.GITHUB_IP;
import static dev.cordon.it.DnsWorld.OK_IP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Domain policy end to end: label boundaries, wildcards, most specific rule, CNAME chains into
 * blocked names, audit against enforce, REFUSED, and no way around the proxy via the upstream's
 * own address. Names are asked with a small Python client (exact rcodes) and with dig/curl.
 */
class DnsPolicyIT {
    @TempDir
    static Path worldDir;
    @TempDir
    static Path scripts;
    @TempDir
    Path dir;
    static DnsWorld world;
    static Path dnsq;
    static Path connect;

    @BeforeAll
    static void startWorld() throws IOException {
        world = DnsWorld.start(worldDir);
        dnsq = Host.script(scripts, "dnsq.py");
        Host.script(scripts, "dnslib.py");
        connect = Host.script(scripts, "connect.py");
    }

    @AfterAll
    static void stopWorld() {
        if (world != null) world.close();
    }

    private static String ask(String... names) {
        return "/usr/bin/python3 " + dnsq + " " + String.join(" ", names);
    }

    private static void assertAnswer(GuardedRun.Result r, String name, String rcode, String ips) {
        assertThat(r.out()).as("%s in\n%s", name, r).containsPattern("(?m)^" + java.util.regex.Pattern.quote(name)
                + " rcode=" + rcode + " id=\\d+ ips=" + java.util.regex.Pattern.quote(ips) + " from=127\\.0\\.0\\.53:53$");
    }

    @Test
    void aDeniedDomainBlocksItsSubdomainsButNeverLookalikes() {
        GuardedRun.Result r = world.cordon(dir).opt("--deny", "github.com")
                .run("/bin/sh", "-c", ask("evilgithub.com", "github.com.evil.net", "api.github.com", "GitHub.COM.", "ok.internal"));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertAnswer(r, "evilgithub.com", "NOERROR", EVIL_IP);
        assertAnswer(r, "github.com.evil.net", "NOERROR", EVIL_SUFFIX_IP);
        assertAnswer(r, "api.github.com", "NXDOMAIN", "");
        assertAnswer(r, "GitHub.COM.", "NXDOMAIN", "");
        assertAnswer(r, "ok.internal", "NOERROR", OK_IP);
        assertThat(r.lines("DNS", "BLOCKED")).extracting(l -> l.get("domain"))
                .containsExactlyInAnyOrder("api.github.com.", "github.com.");
        assertThat(r.lines("DNS", "BLOCKED")).allSatisfy(l -> {
            assertThat(l.get("rule")).isEqualTo("github.com");
            assertThat(l.get("reason")).isEqualTo("FromDNSRequest");
            assertThat(l.get("firewallMethod")).isEqualTo("blocklist");
            assertThat(l.get("cmd")).startsWith("/usr/bin/python3 " + dnsq);
        });
        assertThat(world.dns.wasAskedFor("evilgithub.com")).isTrue();
        assertThat(world.dns.wasAskedFor("api.github.com")).as("a blocked name is never forwarded").isFalse();
    }

    @Test
    void aWildcardBlocksSubdomainsOnly() {
        GuardedRun.Result r = world.cordon(dir).opt("--deny", "*.github.com")
                .run("/bin/sh", "-c", ask("github.com", "api.github.com", "evilgithub.com"));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertAnswer(r, "github.com", "NOERROR", GITHUB_IP);
        assertAnswer(r, "api.github.com", "NXDOMAIN", "");
        assertAnswer(r, "evilgithub.com", "NOERROR", EVIL_IP);
        assertThat(r.lines("DNS", "BLOCKED")).singleElement().satisfies(l -> {
            assertThat(l.get("domain")).isEqualTo("api.github.com.");
            assertThat(l.get("rule")).isEqualTo("*.github.com");
        });
    }

    @Test
    void theMostSpecificRuleWins() {
        GuardedRun.Result r = world.cordon(dir).opt("--deny", "github.com", "--allow", "api.github.com")
                .run("/bin/sh", "-c", ask("api.github.com", "github.com"));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertAnswer(r, "api.github.com", "NOERROR", GITHUB_IP);
        assertAnswer(r, "github.com", "NXDOMAIN", "");
        assertThat(r.lines("DNS", "BLOCKED")).extracting(l -> l.get("domain")).containsExactly("github.com.");
    }

    @Test
    void aCnameChainIntoABlockedNameIsBlockedAndItsAddressIsCaughtOnConnect() {
        GuardedRun.Result r = world.cordon(dir).opt("--deny", "github.com").sh("""
                %s
                echo "== dig"; dig +tries=1 +time=5 @127.0.0.53 alias.internal
                echo "== connect"; /usr/bin/python3 %s %s %d; echo "rc=$?"
                """.formatted(ask("alias.internal", "alias2.internal"), connect, GITHUB_IP, world.github.port()));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertAnswer(r, "alias.internal", "NXDOMAIN", "");
        assertAnswer(r, "alias2.internal", "NXDOMAIN", "");
        assertThat(r.section("dig")).contains("status: NXDOMAIN").doesNotContain(GITHUB_IP);
        ViolationLine l = r.dns("BLOCKED", "alias.internal.").getFirst();
        assertThat(l.get("reason")).isEqualTo("FromDNSResponseCNAME");
        assertThat(l.get("cname")).isEqualTo("github.com.");
        assertThat(l.get("rule")).isEqualTo("github.com");
        assertThat(r.dns("BLOCKED", "alias2.internal.").getFirst().get("cname")).isEqualTo("github.com.");
        assertThat(r.dns("BLOCKED", "alias.internal.")).extracting(x -> x.get("cmd"))
                .contains("dig +tries=1 +time=5 @127.0.0.53 alias.internal");

        // the blocked name's address is learned as denied: a hard-coded connect fails and is named
        assertThat(r.section("connect")).startsWith("connect errno=EPERM");
        ViolationLine c = r.lines("CONNECT", "BLOCKED").getFirst();
        assertThat(c.get("ip")).isEqualTo(GITHUB_IP);
        assertThat(c.get("domain")).isEqualTo("github.com.");
        assertThat(c.get("cmd")).isEqualTo("/usr/bin/python3 " + connect + " " + GITHUB_IP + " " + world.github.port());
    }

    @Test
    void auditModeLetsEverythingThroughAndReportsWhatEnforceWouldBlock() {
        String url = "http://github.com:" + world.github.port() + "/";
        String script = """
                %s
                echo "== curl"; curl -sS --max-time 10 %s; echo "rc=$?"
                """.formatted(ask("github.com", "alias.internal"), url);

        int before = world.github.requests.get();
        GuardedRun.Result audit = world.cordon(dir).opt("--mode", "audit", "--deny", "github.com").sh(script);
        assertThat(audit.exit()).as(audit.toString()).isZero();
        assertAnswer(audit, "github.com", "NOERROR", GITHUB_IP);
        assertThat(audit.out()).contains("alias.internal rcode=NOERROR").contains("ips=" + GITHUB_IP);
        assertThat(audit.section("curl")).contains(world.github.body()).contains("rc=0");
        assertThat(world.github.requests.get()).isEqualTo(before + 1);
        assertThat(audit.lines("DNS", "BLOCKED")).isEmpty();
        ViolationLine d = audit.dns("AUDIT", "github.com.").getFirst();
        assertThat(d.level()).isEqualTo("WARN");
        assertThat(d.get("blocked")).isEqualTo("false");
        assertThat(d.get("mode")).isEqualTo("audit");
        assertThat(d.get("reason")).isEqualTo("FromDNSRequest");
        assertThat(audit.dns("AUDIT", "alias.internal.").getFirst().get("reason")).isEqualTo("FromDNSResponseCNAME");
        ViolationLine c = audit.lines("CONNECT", "AUDIT").stream().filter(x -> GITHUB_IP.equals(x.get("ip"))).findFirst().orElseThrow();
        assertThat(c.get("domain")).isEqualTo("github.com.");
        assertThat(c.get("blocked")).isEqualTo("false");
        assertThat(c.get("cmd")).isEqualTo("curl -sS --max-time 10 " + url);

        GuardedRun.Result enforce = world.cordon(dir).opt("--deny", "github.com").sh(script);
        assertThat(enforce.exit()).as(enforce.toString()).isZero();
        assertAnswer(enforce, "github.com", "NXDOMAIN", "");
        assertAnswer(enforce, "alias.internal", "NXDOMAIN", "");
        assertThat(enforce.section("curl")).contains("rc=6");
        assertThat(world.github.requests.get()).isEqualTo(before + 1);
        assertThat(enforce.dns("BLOCKED", "github.com.")).isNotEmpty();
        assertThat(enforce.lines("DNS", "AUDIT")).isEmpty();
    }

    @Test
    void theRefusedOptionAnswersRefused() {
        GuardedRun.Result r = world.cordon(dir).opt("--deny", "github.com", "--blocked-response", "refused").sh("""
                %s
                echo "== dig"; dig +tries=1 +time=5 @127.0.0.53 api.github.com
                """.formatted(ask("github.com", "ok.internal")));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertAnswer(r, "github.com", "REFUSED", "");
        assertAnswer(r, "ok.internal", "NOERROR", OK_IP);
        assertThat(r.section("dig")).contains("status: REFUSED");
        assertThat(r.dns("BLOCKED", "api.github.com.")).isNotEmpty();
    }

    @Test
    void theUpstreamsOwnAddressLeadsToTheProxyToo() {
        // the command cannot skip cordon by asking cordon's upstream directly, whatever its port
        GuardedRun.Result r = world.cordon(dir).opt("--deny", "github.com").sh("""
                echo "== udp"; dig +tries=1 +time=5 @127.0.0.1 -p %1$d api.github.com
                echo "== tcp"; dig +tcp +tries=1 +time=5 @127.0.0.1 -p %1$d api.github.com
                echo "== ok"; dig +short +tries=1 +time=5 @127.0.0.1 -p %1$d ok.internal
                echo "== mapped"
                /usr/bin/python3 %2$s --server ::ffff:127.0.0.1 --port %1$d api.github.com
                /usr/bin/python3 %2$s --unconnected --server ::ffff:127.0.0.1 --port %1$d api.github.com
                /usr/bin/python3 %2$s --tcp --server ::ffff:127.0.0.1 --port %1$d api.github.com
                """.formatted(world.dns.port(), dnsq));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("udp")).contains("status: NXDOMAIN").contains("SERVER: 127.0.0.1#" + world.dns.port());
        assertThat(r.section("tcp")).contains("status: NXDOMAIN");
        assertThat(r.section("ok").strip()).isEqualTo(OK_IP);
        // a v6 socket aimed at the upstream's v4-mapped address, connected, unconnected and TCP
        assertThat(r.section("mapped").lines().toList()).hasSize(3)
                .allMatch(l -> l.equals("api.github.com rcode=NXDOMAIN id=8192 ips= from=::ffff:127.0.0.1:" + world.dns.port()));
        assertThat(r.dns("BLOCKED", "api.github.com.")).hasSize(5);
        assertThat(world.dns.wasAskedFor("api.github.com")).isFalse();
    }
}
