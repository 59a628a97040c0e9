package dev.cordon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static dev.cordon.it.DnsWorld.GITHUB_IP;
import static dev.cordon.it.DnsWorld.OK_IP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real resolvers inside the guard: glibc (getent), curl, dig over UDP and TCP, Python's
 * getaddrinfo, Java's InetAddress, a raw unconnected sendto, and queries aimed at servers that do
 * not exist (an IPv6 one, a non-loopback one): every one is answered by cordon's proxy, the
 * answer appears to come from the server the client asked, and blocked names are named with the
 * process that asked.
 *
 * <p>Addresses that are not loopback are also denied by CIDR in these runs, as a safety net: if the
 * port-53 redirect ever failed, the query would fail with EPERM instead of leaving the host.
 */
class DnsClientsIT {
    static final String[] SAFETY_NET = {"--deny-cidr", "198.51.100.0/24", "--deny-cidr", "2001:db8::/32",
            "--deny-cidr", "10.255.255.53/32"};

    @TempDir
    static Path worldDir;
    @TempDir
    Path dir;
    static DnsWorld world;

    @BeforeAll
    static void startWorld() throws IOException {
        world = DnsWorld.start(worldDir);
    }

    @AfterAll
    static void stopWorld() {
        if (world != null) world.close();
    }

    private GuardedRun cordon() {
        return world.cordon(dir).opt("--deny", "github.com").opt(SAFETY_NET);
    }

    private static void assertGuarded(GuardedRun.Result r) {
        assertThat(r.attachedProgramNames()).as("programs on the session cgroup").hasSize(GuardedRun.sessionPrograms(java.util.List.of()))
                .allMatch(n -> n.startsWith("cordon_"));
    }

    private static void assertNothingTriedToLeave(GuardedRun.Result r) {
        assertThat(r.lines("CONNECT", "BLOCKED")).as("connect attempts blocked (a redirect that did not happen)").isEmpty();
        assertThat(r.lines("SENDMSG", "BLOCKED")).as("sendmsg attempts blocked (a redirect that did not happen)").isEmpty();
    }

    private static ViolationLine blocked(GuardedRun.Result r, String domain) {
        assertThat(r.dns("BLOCKED", domain)).as("DNS BLOCKED line for %s in\n%s", domain, r).isNotEmpty();
        return r.dns("BLOCKED", domain).getFirst();
    }

    @Test
    void glibcGetentResolvesAnAllowedNameAndFailsABlockedOne() {
        GuardedRun.Result r = cordon().sh("""
                echo "== ok"; getent ahosts ok.internal; echo "rc=$?"
                echo "== blocked"; getent ahosts github.com; echo "rc=$?"
                """);

        assertThat(r.exit()).as(r.toString()).isZero();
        assertGuarded(r);
        assertThat(r.section("ok")).contains(OK_IP).contains("rc=0");
        assertThat(r.section("blocked")).doesNotContain(GITHUB_IP).contains("rc=2");
        ViolationLine l = blocked(r, "github.com.");
        assertThat(l.level()).isEqualTo("WARN");
        assertThat(l.get("reason")).isEqualTo("FromDNSRequest");
        assertThat(l.get("blocked")).isEqualTo("true");
        assertThat(l.get("blockedAt")).isEqualTo("dns");
        assertThat(l.get("cmd")).isEqualTo("getent ahosts github.com");
        assertThat(l.pid()).isPositive();
        assertThat(l.get("firewallMethod")).isEqualTo("blocklist");
        assertThat(l.get("rule")).isEqualTo("github.com");
        assertThat(l.get("mode")).isEqualTo("enforce");
        assertThat(r.dns("BLOCKED", "github.com.")).extracting(x -> x.get("qtype")).contains("A");
        assertThat(r.dns("BLOCKED", "ok.internal.")).isEmpty();
    }

    @Test
    void curlFetchesFromAnAllowedNameAndCannotResolveABlockedOne() {
        String okUrl = "http://ok.internal:" + world.ok.port() + "/";
        String blockedUrl = "http://github.com:" + world.github.port() + "/";
        int githubRequests = world.github.requests.get();
        GuardedRun.Result r = cordon().sh("""
                echo "== ok"; curl -sS --max-time 10 %s; echo "rc=$?"
                echo "== blocked"; curl -sS --max-time 10 %s; echo "rc=$?"
                """.formatted(okUrl, blockedUrl));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("ok")).contains(world.ok.body()).contains("rc=0");
        assertThat(r.section("blocked")).contains("rc=6"); // CURLE_COULDNT_RESOLVE_HOST
        assertThat(r.err()).contains("Could not resolve host: github.com");
        assertThat(world.github.requests.get()).isEqualTo(githubRequests);
        assertThat(blocked(r, "github.com.").get("cmd")).isEqualTo("curl -sS --max-time 10 " + blockedUrl);
    }

    @Test
    void digOverUdpAndTcpIsAnsweredAsIfByTheServerItAsked() {
        GuardedRun.Result r = cordon().sh("""
                echo "== udp"; dig +tries=1 +time=5 @127.0.0.53 ok.internal
                echo "== tcp"; dig +tcp +tries=1 +time=5 @127.0.0.53 ok.internal
                echo "== udp-blocked"; dig +tries=1 +time=5 @127.0.0.53 api.github.com
                echo "== tcp-blocked"; dig +tcp +tries=1 +time=5 @127.0.0.53 www.github.com
                """);

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("udp")).contains("status: NOERROR").containsPattern("ok\\.internal\\.\\s+\\d+\\s+IN\\s+A\\s+" + OK_IP)
                .contains("SERVER: 127.0.0.53#53(127.0.0.53) (UDP)");
        assertThat(r.section("tcp")).contains("status: NOERROR").contains(OK_IP).contains("SERVER: 127.0.0.53#53(127.0.0.53) (TCP)");
        assertThat(r.section("udp-blocked")).contains("status: NXDOMAIN").contains("(UDP)");
        assertThat(r.section("tcp-blocked")).contains("status: NXDOMAIN").contains("(TCP)");
        assertThat(blocked(r, "api.github.com.").get("cmd")).isEqualTo("dig +tries=1 +time=5 @127.0.0.53 api.github.com");
        assertThat(blocked(r, "www.github.com.").get("cmd")).isEqualTo("dig +tcp +tries=1 +time=5 @127.0.0.53 www.github.com");
        // blocked at the request: never forwarded
        assertThat(world.dns.wasAskedFor("api.github.com")).isFalse();
        assertThat(world.dns.wasAskedFor("www.github.com")).isFalse();
        assertThat(world.dns.wasAskedFor("ok.internal")).isTrue();
    }

    @Test
    void severalQueriesOnOneTcpConnectionAreAnsweredInOrder() {
        GuardedRun.Result r = cordon().sh("dig +tcp +keepopen +tries=1 +time=5 @127.0.0.53 ok.internal api.github.com ok.internal big.internal");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().lines().filter(l -> l.contains("status: ")).map(l -> l.replaceAll(".*status: (\\w+).*", "$1")).toList())
                .containsExactly("NOERROR", "NXDOMAIN", "NOERROR", "NOERROR");
        assertThat(r.out()).contains("ANSWER: " + DnsWorld.BIG_COUNT);
        assertThat(blocked(r, "api.github.com.").get("cmd")).startsWith("dig +tcp +keepopen");
    }

    @Test
    void pythonGetaddrinfoResolvesThroughTheProxy(@TempDir Path scripts) {
        Path resolve = Host.script(scripts, "resolve.py");
        GuardedRun.Result r = cordon().run("/usr/bin/python3", resolve.toString(), "ok.internal", "api.github.com");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("(?m)^ok\\.internal ok " + OK_IP.replace(".", "\\.") + " ")
                .containsPattern("(?m)^api\\.github\\.com error=EAI_NONAME ");
        ViolationLine l = blocked(r, "api.github.com.");
        assertThat(l.get("cmd")).isEqualTo("/usr/bin/python3 " + resolve + " ok.internal api.github.com");
    }

    @Test
    void javaInetAddressResolvesThroughTheProxy(@TempDir Path scripts) {
        Path program = Host.script(scripts, "Resolve.java");
        String java = Host.JDK.resolve("bin/java").toString();
        GuardedRun.Result r = cordon().run(java, program.toString(), "ok.internal", "github.com");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("ok.internal ok " + OK_IP).contains("github.com unknown");
        ViolationLine l = blocked(r, "github.com.");
        assertThat(l.get("cmd")).isEqualTo(java + " " + program + " ok.internal github.com");
    }

    @Test
    void anUnconnectedUdpSendtoIsRedirectedAndTheReplyComesFromTheAddressItWasSentTo(@TempDir Path scripts) {
        Path dnsq = Host.script(scripts, "dnsq.py");
        Host.script(scripts, "dnslib.py");
        GuardedRun.Result r = cordon().sh("""
                echo "== v4"; /usr/bin/python3 %1$s --unconnected --server 198.51.100.53 ok.internal api.github.com
                echo "== v6"; /usr/bin/python3 %1$s --unconnected --server 2001:db8::53 ok.internal github.com
                """.formatted(dnsq));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("v4")).contains("ok.internal rcode=NOERROR id=8192 ips=" + OK_IP + " from=198.51.100.53:53")
                .contains("api.github.com rcode=NXDOMAIN id=8193 ips= from=198.51.100.53:53");
        assertThat(r.section("v6")).contains("ok.internal rcode=NOERROR id=8192 ips=" + OK_IP + " from=2001:db8::53:53")
                .contains("github.com rcode=NXDOMAIN id=8193 ips= from=2001:db8::53:53");
        assertThat(blocked(r, "api.github.com.").get("cmd")).contains("dnsq.py --unconnected --server 198.51.100.53");
        assertThat(blocked(r, "github.com.").get("cmd")).contains("dnsq.py --unconnected --server 2001:db8::53");
        assertNothingTriedToLeave(r);
    }

    @Test
    void queriesToAnIpv6NameserverOrANonLoopbackOneAreRedirectedAndNothingLeaves(@TempDir Path scripts) {
        Path dnsq = Host.script(scripts, "dnsq.py");
        Host.script(scripts, "dnslib.py");
        GuardedRun.Result r = cordon().sh("""
                echo "== v6-udp"; dig +tries=1 +time=5 @2001:db8::53 ok.internal
                echo "== v6-tcp"; dig +tcp +tries=1 +time=5 @2001:db8::53 ok.internal
                echo "== v6-blocked"; dig +tries=1 +time=5 @2001:db8::53 api.github.com
                echo "== v4-udp"; dig +tries=1 +time=5 @198.51.100.53 ok.internal
                echo "== v4-tcp"; dig +tcp +tries=1 +time=5 @198.51.100.53 ok.internal
                echo "== v4-blocked"; dig +tcp +tries=1 +time=5 @198.51.100.53 github.com
                echo "== mapped"
                /usr/bin/python3 %1$s --server ::ffff:198.51.100.53 ok.internal
                /usr/bin/python3 %1$s --unconnected --server ::ffff:198.51.100.53 ok.internal
                /usr/bin/python3 %1$s --tcp --server ::ffff:198.51.100.53 ok.internal
                """.formatted(dnsq));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("v6-udp")).contains("status: NOERROR").contains(OK_IP).contains("SERVER: 2001:db8::53#53(2001:db8::53) (UDP)");
        assertThat(r.section("v6-tcp")).contains("status: NOERROR").contains(OK_IP).contains("SERVER: 2001:db8::53#53(2001:db8::53) (TCP)");
        assertThat(r.section("v6-blocked")).contains("status: NXDOMAIN");
        assertThat(r.section("v4-udp")).contains("status: NOERROR").contains(OK_IP).contains("SERVER: 198.51.100.53#53(198.51.100.53) (UDP)");
        assertThat(r.section("v4-tcp")).contains("status: NOERROR").contains(OK_IP).contains("SERVER: 198.51.100.53#53(198.51.100.53) (TCP)");
        assertThat(r.section("v4-blocked")).contains("status: NXDOMAIN");
        // a v6 socket aimed at ::ffff:a.b.c.d (dig skips those; Python does not)
        assertThat(r.section("mapped").lines().toList()).hasSize(3)
                .allMatch(l -> l.equals("ok.internal rcode=NOERROR id=8192 ips=" + OK_IP + " from=::ffff:198.51.100.53:53"));
        assertThat(blocked(r, "api.github.com.").get("cmd")).isEqualTo("dig +tries=1 +time=5 @2001:db8::53 api.github.com");
        assertThat(blocked(r, "github.com.").get("cmd")).isEqualTo("dig +tcp +tries=1 +time=5 @198.51.100.53 github.com");
        assertNothingTriedToLeave(r);
    }

    @Test
    void aTcpFastOpenQueryWithoutConnectIsRedirectedToo(@TempDir Path scripts) {
        Path dnsq = Host.script(scripts, "dnsq.py");
        Host.script(scripts, "dnslib.py");
        GuardedRun.Result r = cordon().sh("""
                /usr/bin/python3 %1$s --tfo --server 198.51.100.53 ok.internal api.github.com
                /usr/bin/python3 %1$s --tfo --server 2001:db8::53 ok.internal
                """.formatted(dnsq));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("ok.internal rcode=NOERROR id=8192 ips=" + OK_IP + " from=198.51.100.53:53")
                .contains("api.github.com rcode=NXDOMAIN id=8193 ips= from=198.51.100.53:53")
                .contains("ok.internal rcode=NOERROR id=8192 ips=" + OK_IP + " from=2001:db8::53:53");
        assertThat(blocked(r, "api.github.com.").get("cmd")).contains("dnsq.py --tfo --server 198.51.100.53");
        assertNothingTriedToLeave(r);
    }

    @Test
    void glibcWithANonLoopbackOrIpv6NameserverInResolvConfWorksThroughTheProxy() {
        // the last one makes glibc ask over TCP from the start (connect redirected, getpeername restored)
        for (String conf : new String[] {"nameserver 198.51.100.53\n", "nameserver 2001:db8::53\n",
                "nameserver 198.51.100.53\noptions use-vc\n"}) {
            String ns = conf;
            GuardedRun.Result r = cordon().resolvConf(conf).sh("""
                    echo "== ok"; getent ahosts ok.internal; echo "rc=$?"
                    echo "== blocked"; getent ahosts api.github.com; echo "rc=$?"
                    """);
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.section("ok")).as(ns).contains(OK_IP).contains("rc=0");
            assertThat(r.section("blocked")).as(ns).contains("rc=2");
            assertThat(blocked(r, "api.github.com.").get("cmd")).isEqualTo("getent ahosts api.github.com");
            assertNothingTriedToLeave(r);
        }
    }

    @Test
    void aTruncatedAnswerMakesClientsRetryOverTcpThroughTheProxy() {
        GuardedRun.Result r = cordon().sh("""
                echo "== udp-only"; dig +noedns +ignore +tries=1 +time=5 @127.0.0.53 big.internal
                echo "== dig"; dig +noedns +tries=1 +time=5 @127.0.0.53 big.internal
                echo "== getent"; getent ahosts big.internal | awk '$2 == "STREAM" {print $1}' | sort -u | wc -l
                """);

        assertThat(r.exit()).as(r.toString()).isZero();
        // the upstream's own truncated answer (partial, TC set): the proxy checked the full one over TCP
        assertThat(r.section("udp-only")).containsPattern("flags: qr[a-z ]* tc").doesNotContain("ANSWER: " + DnsWorld.BIG_COUNT);
        assertThat(r.section("dig")).contains("status: NOERROR").contains("ANSWER: " + DnsWorld.BIG_COUNT).contains("(TCP)");
        assertThat(r.section("getent").strip()).isEqualTo(Integer.toString(DnsWorld.BIG_COUNT));
    }
}
