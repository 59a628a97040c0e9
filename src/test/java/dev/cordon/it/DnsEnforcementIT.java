package dev.cordon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cordon.it.DnsWorld.OK_IP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where DNS decisions meet connect(): an allowlist where a hard-coded address fails with EPERM,
 * {@code curl --resolve} to a blocked name's address, an allowed name's address opened before the
 * answer arrives, and a learned address that expires. Loopback is always allowed by cordon, so the
 * destinations here are a test host in a network namespace this class creates and removes.
 */
class DnsEnforcementIT {
    @TempDir
    static Path worldDir;
    @TempDir
    static Path scripts;
    @TempDir
    Path dir;
    static NetnsTestHost host;
    static Dnsmasq dns;
    static LoopbackWeb ok;
    static Path connect;
    static Path resolve;

    @BeforeAll
    static void start() throws IOException {
        connect = Host.script(scripts, "connect.py");
        Host.script(scripts, "dnslib.py");
        resolve = Host.script(scripts, "resolve.py");
        Host.script(scripts, "ttl.py");
        host = NetnsTestHost.start(worldDir);
        ok = new LoopbackWeb(OK_IP);
        dns = new Dnsmasq().host("ok.internal", OK_IP).host("github.com", host.ip(), host.ip6())
                .host("testhost.internal", host.ip(), host.ip6()).host("udp.later.internal", host.ip())
                .cname("alias.internal", "udp.later.internal").start(worldDir);
    }

    @AfterAll
    static void stop() {
        if (dns != null) dns.close();
        if (ok != null) ok.close();
        if (host != null) host.close();
    }

    private String hostUrl() {
        return "http://" + host.ip() + ":" + NetnsTestHost.HTTP_PORT + "/";
    }

    @Test
    void anAllowlistFailsAHardCodedAddressWithEpermAtOnce() {
        // control: the test host answers when cordon is not in the way
        assertThat(Host.run("curl", "-sS", "--max-time", "5", hostUrl()).out()).contains("hello from " + host.ip());

        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--default", "deny", "--allow", "ok.internal").sh("""
                echo "== ok"; curl -sS --max-time 10 http://ok.internal:%1$d/; echo "rc=$?"
                echo "== name"; /usr/bin/python3 %2$s github.com
                echo "== ip"; /usr/bin/python3 %3$s %4$s %5$d
                echo "== curl-ip"; curl -sS --max-time 10 %6$s; echo "rc=$?"
                echo "== ip6"; /usr/bin/python3 %3$s %7$s %5$d
                echo "== mapped"; /usr/bin/python3 %3$s ::ffff:%4$s %5$d
                true
                """.formatted(ok.port(), resolve, connect, host.ip(), NetnsTestHost.HTTP_PORT, hostUrl(), host.ip6()));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("ok")).contains(ok.body()).contains("rc=0");
        assertThat(r.section("name")).startsWith("github.com error=EAI_NONAME");
        assertThat(r.section("ip")).startsWith("connect errno=EPERM");
        assertThat(ms(r.section("ip"))).as("EPERM at once, no timeout").isLessThan(1000);
        assertThat(r.section("curl-ip")).contains("rc=7"); // CURLE_COULDNT_CONNECT
        assertThat(r.section("ip6")).startsWith("connect errno=EPERM");
        assertThat(r.section("mapped")).startsWith("connect errno=EPERM");
        ViolationLine d = r.dns("BLOCKED", "github.com.").getFirst();
        assertThat(d.get("rule")).isEqualTo("default:deny");
        assertThat(d.get("firewallMethod")).isEqualTo("allowlist");
        assertThat(r.lines("CONNECT", "BLOCKED")).hasSize(4).allSatisfy(c -> {
            assertThat(c.get("ip")).isIn(host.ip(), v6(host.ip6()));
            assertThat(c.get("port")).isEqualTo(Integer.toString(NetnsTestHost.HTTP_PORT));
            assertThat(c.get("rule")).isEqualTo("default:deny");
            assertThat(c.get("blocked")).isEqualTo("true");
        });
        assertThat(r.lines("CONNECT", "BLOCKED")).extracting(c -> c.get("cmd"))
                .containsExactly("/usr/bin/python3 " + connect + " " + host.ip() + " " + NetnsTestHost.HTTP_PORT,
                        "curl -sS --max-time 10 " + hostUrl(),
                        "/usr/bin/python3 " + connect + " " + host.ip6() + " " + NetnsTestHost.HTTP_PORT,
                        "/usr/bin/python3 " + connect + " ::ffff:" + host.ip() + " " + NetnsTestHost.HTTP_PORT);
        assertThat(r.lines("CONNECT", "BLOCKED").get(3).get("ipv6Mapped")).isEqualTo("true");
    }

    @Test
    void inAuditModeAnAllowlistLetsAHardCodedAddressThroughAndReportsIt() {
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--mode", "audit", "--default", "deny", "--allow", "ok.internal").sh("""
                echo "== ip"; /usr/bin/python3 %s %s %d
                echo "== name"; curl -sS --max-time 10 http://testhost.internal:%3$d/; echo "rc=$?"
                """.formatted(connect, host.ip(), NetnsTestHost.HTTP_PORT));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("ip")).startsWith("connect ok");
        assertThat(r.section("name")).contains("hello from ").contains("rc=0");
        assertThat(r.lines("CONNECT", "BLOCKED")).isEmpty();
        assertThat(r.lines("DNS", "BLOCKED")).isEmpty();
        ViolationLine c = r.lines("CONNECT", "AUDIT").getFirst();
        assertThat(c.get("ip")).isEqualTo(host.ip());
        assertThat(c.get("rule")).isEqualTo("default:deny");
        assertThat(c.get("blocked")).isEqualTo("false");
        assertThat(c.get("mode")).isEqualTo("audit");
        ViolationLine d = r.dns("AUDIT", "testhost.internal.").getFirst();
        assertThat(d.get("rule")).isEqualTo("default:deny");
        assertThat(d.get("firewallMethod")).isEqualTo("allowlist");
    }

    @Test
    void aBlockedNamesIpv6AndMappedAddressesAreCaughtAndNamedToo() {
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--deny", "github.com").sh("""
                echo "== v6"; /usr/bin/python3 %1$s %2$s %4$d
                echo "== mapped"; /usr/bin/python3 %1$s ::ffff:%3$s %4$d
                echo "== other"; curl -sS -6 --max-time 10 http://testhost.internal:%4$d/; echo "rc=$?"
                """.formatted(connect, host.ip6(), host.ip(), NetnsTestHost.HTTP_PORT));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("v6")).startsWith("connect errno=EPERM");
        assertThat(r.section("mapped")).startsWith("connect errno=EPERM");
        // same host, another name that is not blocked: the address is shared, and allowed for that name
        assertThat(r.section("other")).contains("hello from ").contains("rc=0");
        List<ViolationLine> c = r.lines("CONNECT", "BLOCKED");
        assertThat(c).hasSize(2);
        assertThat(c.get(0).get("ip")).isEqualTo(v6(host.ip6()));
        assertThat(c.get(0).get("domain")).isEqualTo("github.com.");
        assertThat(c.get(0).get("rule")).isEqualTo("dns:blocked-name");
        assertThat(c.get(1).get("ip")).isEqualTo(host.ip());
        assertThat(c.get(1).get("ipv6Mapped")).isEqualTo("true");
        assertThat(c.get(1).get("domain")).isEqualTo("github.com.");
    }

    @Test
    void aRawSocketDnsQueryToADeniedServerNeverLeavesTheSession() {
        int before = host.udp53Received().size();
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--default", "deny").run("/usr/bin/python3", "-c", """
                import socket, struct, sys
                sys.path.insert(0, %s)
                import dnslib
                q = dnslib.query("github.com", "A", 0x5151)
                try:
                    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
                    s.sendto(struct.pack("!HHHH", 40000, 53, 8 + len(q), 0) + q, (%s, 0))
                    print("raw sent")
                except OSError as e:
                    print("raw refused", e.errno)
                """.formatted("'" + scripts + "'", "'" + host.ip() + "'"));

        assertThat(r.exit()).as(r.toString()).isZero();
        // cgroup/sock_create refuses the raw socket itself in enforce mode, and says so
        assertThat(r.out()).as(r.toString()).contains("raw refused 1");
        assertThat(r.err()).as(r.toString()).containsPattern(
                "WARN SOCKET BLOCKED blocked=true blockedAt=socket socket=raw family=ipv4 proto=udp pid=\\d+ cmd=\"/usr/bin/python3 -c ");
        // bounded wait: a datagram that got out would arrive within milliseconds on the veth pair
        Host.await(java.time.Duration.ofSeconds(2), () -> host.udp53Received().size() > before);
        assertThat(host.udp53Received()).as("queries that reached the denied server").hasSize(before);
    }

    /**
     * The sendmsg hooks keep a socket's last allowed destination (so a stream of datagrams is
     * judged once); an address learned afterwards must be judged again. Without invalidation the
     * third sendto reuses the allow the first two got. The address is learned as a blocked name's
     * only when the command asks for an allowed alias of it: the blocked name is below the denied
     * one, so nothing resolves it at start, and a refused request is never sent upstream.
     */
    @Test
    void aSocketsCachedSendVerdictEndsWhenABlockedNameTeachesItsAddress() {
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--deny", "later.internal").run("/usr/bin/python3", "-c", """
                import errno, socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                def send(tag):
                    try:
                        s.sendto(b"x", (%s, 9)); print(tag, "ok")
                    except OSError as e:
                        print(tag, "errno=" + errno.errorcode[e.errno])
                send("first"); send("again")
                try:
                    socket.getaddrinfo("alias.internal", 9, socket.AF_INET); print("lookup answered")
                except socket.gaierror as e:
                    print("lookup refused")
                send("after")
                """.formatted("'" + host.ip() + "'"));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("first ok", "again ok", "lookup refused", "after errno=EPERM");
        ViolationLine c = r.lines("SENDMSG", "BLOCKED").getFirst();
        assertThat(c.get("ip")).isEqualTo(host.ip());
        assertThat(c.get("domain")).isEqualTo("udp.later.internal.");
    }

    /**
     * The cached verdict is looked at before the DNS redirect (it saves the upstream lookup on every
     * datagram): a socket whose sends to a peer are cached must still have its query to port 53 of
     * the same host taken to the proxy, never to the server.
     */
    @Test
    void aSocketWithACachedVerdictStillHasItsQueriesRedirected() {
        int before = host.udp53Received().size();
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--deny", "later.internal").run("/usr/bin/python3", "-c", """
                import socket, sys
                sys.path.insert(0, %s)
                import dnslib
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(5)
                s.sendto(b"x", (%2$s, 9)); s.sendto(b"x", (%2$s, 9)); print("peer ok")
                s.sendto(dnslib.query("x.later.internal", "A", 0x5152), (%2$s, 53))
                answer, source = s.recvfrom(512)
                print("rcode", answer[3] & 0x0f, "from", source[0], source[1])
                """.formatted("'" + scripts + "'", "'" + host.ip() + "'"));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("peer ok", "rcode 3 from " + host.ip() + " 53");
        assertThat(r.lines("DNS", "BLOCKED")).as(r.toString()).isNotEmpty();
        Host.await(java.time.Duration.ofSeconds(2), () -> host.udp53Received().size() > before);
        assertThat(host.udp53Received()).as("queries that reached the server").hasSize(before);
    }

    /** How cordon prints an IPv6 address: RFC 5952's short form (fdce:d0c5:0:cc::2). */
    private static String v6(String literal) {
        return dev.cordon.policy.Cidr.format(java.net.InetAddress.ofLiteral(literal).getAddress());
    }

    @Test
    void anAllowedNamesAddressIsOpenByTheTimeTheAnswerArrives() {
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--default", "deny", "--allow", "testhost.internal").sh("""
                echo "== name"; curl -sS -4 --max-time 10 http://testhost.internal:%1$d/; echo "rc=$?"
                echo "== name6"; curl -sS -6 --max-time 10 http://testhost.internal:%1$d/; echo "rc=$?"
                echo "== ip"; /usr/bin/python3 %2$s %3$s %1$d; echo "rc=$?"
                """.formatted(NetnsTestHost.HTTP_PORT, connect, host.ip()));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("name")).contains("hello from " + host.ip()).contains("rc=0");
        assertThat(r.section("name6")).contains("hello from " + host.ip6()).contains("rc=0");
        assertThat(r.section("ip")).startsWith("connect ok").contains("rc=0");
        assertThat(r.lines("CONNECT", "BLOCKED")).isEmpty();
    }

    @Test
    void curlResolveToABlockedNamesAddressIsCaughtAndNamed() {
        String url = "http://github.com:" + NetnsTestHost.HTTP_PORT + "/";
        String resolveArg = "github.com:" + NetnsTestHost.HTTP_PORT + ":" + host.ip();
        // control: the same command outside cordon reaches the server
        assertThat(Host.run("curl", "-sS", "--max-time", "5", "--resolve", resolveArg, url).out()).contains("hello from " + host.ip());

        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--deny", "github.com").sh("""
                echo "== resolve"; curl -sS --max-time 10 --resolve %1$s %2$s; echo "rc=$?"
                echo "== other"; curl -sS --max-time 10 http://ok.internal:%3$d/; echo "rc=$?"
                """.formatted(resolveArg, url, ok.port()));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("resolve")).contains("rc=7").doesNotContain("hello");
        assertThat(r.section("other")).contains(ok.body());
        assertThat(r.lines("DNS", "BLOCKED")).as("curl --resolve never asked DNS").isEmpty();
        ViolationLine c = r.lines("CONNECT", "BLOCKED").getFirst();
        assertThat(c.get("ip")).isEqualTo(host.ip());
        assertThat(c.get("domain")).isEqualTo("github.com.");
        assertThat(c.get("rule")).isEqualTo("dns:blocked-name");
        assertThat(c.get("cmd")).isEqualTo("curl -sS --max-time 10 --resolve " + resolveArg + " " + url);
    }

    @Test
    void aLearnedAddressExpiresAfterItsTtlPlusGraceButOpenConnectionsStay(@TempDir Path ttlDir) throws IOException {
        try (Dnsmasq shortTtl = new Dnsmasq().ttl(1).host("ttl.internal", host.ip()).start(ttlDir)) {
            GuardedRun.Result r = GuardedRun.cordon(dir, shortTtl)
                    .opt("--default", "deny", "--allow", "ttl.internal", "--dns-ttl-floor", "0", "--dns-ttl-grace", "1")
                    .run("/usr/bin/python3", scripts.resolve("ttl.py").toString(), "ttl.internal",
                            Integer.toString(NetnsTestHost.HTTP_PORT), Integer.toString(NetnsTestHost.ECHO_PORT), "15");

            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).contains("resolved " + host.ip()).contains("first ok");
            Matcher m = Pattern.compile("expired (\\S+) after_ms=(\\d+) oks=(\\d+)").matcher(r.out());
            assertThat(m.find()).as(r.toString()).isTrue();
            assertThat(m.group(1)).as("the connect after expiry").isEqualTo("EPERM");
            long after = Long.parseLong(m.group(2));
            // learned for max(TTL 1, floor 0) + grace 1 = 2 s after the answer
            assertThat(after).as("expiry time in ms").isBetween(1_500L, 6_000L);
            assertThat(Integer.parseInt(m.group(3))).as("connects that still worked before expiry").isPositive();
            assertThat(r.out()).contains("held still here");
            ViolationLine c = r.lines("CONNECT", "BLOCKED").getFirst();
            assertThat(c.get("ip")).isEqualTo(host.ip());
            assertThat(c.get("rule")).isEqualTo("default:deny");
        }
    }

    private static long ms(String text) {
        Matcher m = Pattern.compile("ms=(\\d+)").matcher(text);
        assertThat(m.find()).as(text).isTrue();
        return Long.parseLong(m.group(1));
    }
}
