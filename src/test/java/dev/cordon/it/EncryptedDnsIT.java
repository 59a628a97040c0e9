package dev.cordon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encrypted DNS is closed by default. Public resolvers cannot be contacted from a test, so the
 * enforce-mode checks prove the block happens at the hook: connect() to 1.1.1.1:443 fails with
 * EPERM before any packet exists. Port 853 is checked on loopback listeners (a real DoT port).
 * Audit mode touches loopback only. dnsmasq answers the DoH names with loopback addresses, so
 * only cordon's decision stands between the command and an answer.
 */
class EncryptedDnsIT {
    static final String DOH_LOOPBACK = "127.0.33.1";
    @TempDir
    static Path worldDir;
    @TempDir
    static Path scripts;
    @TempDir
    Path dir;
    static Dnsmasq dns;
    static Path connect;
    static Path resolve;
    static Path dnsq;

    @BeforeAll
    static void start() throws IOException {
        connect = Host.script(scripts, "connect.py");
        Host.script(scripts, "dnslib.py");
        resolve = Host.script(scripts, "resolve.py");
        dnsq = Host.script(scripts, "dnsq.py");
        dns = new Dnsmasq().host("dns.google", DOH_LOOPBACK).host("mozilla.cloudflare-dns.com", DOH_LOOPBACK)
                .host("ok.internal", "127.0.33.2").start(worldDir);
    }

    @AfterAll
    static void stop() {
        if (dns != null) dns.close();
    }

    /** TCP on 127.0.0.1:853 and [::1]:853 (connects complete in the backlog) and UDP on 127.0.0.1:853. */
    record DotListeners(ServerSocket v4, ServerSocket v6, DatagramSocket udp) implements AutoCloseable {
        static DotListeners open() throws IOException {
            ServerSocket v4 = new ServerSocket();
            v4.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 853), 16);
            ServerSocket v6 = new ServerSocket();
            v6.bind(new InetSocketAddress(InetAddress.getByName("::1"), 853), 16);
            return new DotListeners(v4, v6, new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 853)));
        }

        @Override
        public void close() throws IOException {
            v4.close();
            v6.close();
            udp.close();
        }
    }

    @Test
    void inEnforceModeResolversAndPort853FailWithEpermAndPlainDnsToAResolverStillWorks() throws IOException {
        GuardedRun.Result r;
        try (DotListeners l = DotListeners.open()) {
            // control: the listeners answer when cordon is not in the way
            assertThat(Host.run("/usr/bin/python3", connect.toString(), "127.0.0.1", "853").out()).startsWith("connect ok");
            r = GuardedRun.cordon(dir, dns).sh("""
                    echo "== doh4"; /usr/bin/python3 %1$s 1.1.1.1 443
                    echo "== doh6"; /usr/bin/python3 %1$s 2606:4700:4700::1111 443
                    echo "== dot4"; /usr/bin/python3 %1$s 127.0.0.1 853
                    echo "== dot6"; /usr/bin/python3 %1$s ::1 853
                    echo "== doq"; /usr/bin/python3 -c 'import socket,errno
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    try:
                        s.sendto(b"x", ("127.0.0.1", 853)); print("sendto ok")
                    except OSError as e:
                        print("sendto errno=" + errno.errorcode[e.errno])'
                    echo "== names"; /usr/bin/python3 %2$s dns.google mozilla.cloudflare-dns.com ok.internal
                    echo "== plain"; /usr/bin/python3 %3$s --server 8.8.8.8 ok.internal
                    echo "== plain6"; /usr/bin/python3 %3$s --server 2001:4860:4860::8888 ok.internal
                    true
                    """.formatted(connect, resolve, dnsq));
        }

        assertThat(r.exit()).as(r.toString()).isZero();
        for (String s : List.of("doh4", "doh6", "dot4", "dot6")) {
            assertThat(r.section(s)).as(s + "\n" + r).startsWith("connect errno=EPERM");
        }
        assertThat(r.section("doq")).as(r.toString()).startsWith("sendto errno=EPERM");
        assertThat(r.section("names")).as(r.toString()).contains("dns.google error=EAI_NONAME")
                .contains("mozilla.cloudflare-dns.com error=EAI_NONAME").contains("ok.internal ok 127.0.33.2");
        // port 53 to a listed resolver is redirected to cordon's proxy before the resolver's deny is looked at
        assertThat(r.section("plain")).as(r.toString()).contains("rcode=NOERROR").contains("127.0.33.2").contains("from=8.8.8.8:53");
        assertThat(r.section("plain6")).as(r.toString()).contains("rcode=NOERROR").contains("127.0.33.2");

        List<ViolationLine> connects = r.where(v -> "EncryptedDNS".equals(v.get("reason")) && !"DNS".equals(v.kind()));
        assertThat(connects).extracting(v -> v.get("ip") + ":" + v.get("port") + " " + v.get("rule"))
                .containsExactlyInAnyOrder("1.1.1.1:443 1.1.1.1/32", "2606:4700:4700::1111:443 2606:4700:4700::1111/128",
                        "127.0.0.1:853 port:853", "::1:853 port:853", "127.0.0.1:853 port:853");
        assertThat(connects).allSatisfy(v -> {
            assertThat(v.get("blocked")).isEqualTo("true");
            assertThat(v.get("cmd")).startsWith("/usr/bin/python3");
            assertThat(v.pid()).isPositive();
        });
        assertThat(r.dns("BLOCKED", "dns.google.")).isNotEmpty().allSatisfy(v -> { // A and AAAA
            assertThat(v.get("reason")).isEqualTo("EncryptedDNS");
            assertThat(v.get("rule")).isEqualTo("dns.google");
            assertThat(v.get("cmd")).contains(resolve.toString());
        });
        assertThat(r.dns("BLOCKED", "mozilla.cloudflare-dns.com.")).isNotEmpty()
                .allSatisfy(v -> assertThat(v.get("rule")).isEqualTo("cloudflare-dns.com"));
        assertThat(dns.wasAskedFor("dns.google")).as("a blocked name is never forwarded, nor prefetched").isFalse();
    }

    @Test
    void inAuditModeALoopbackDotConnectSucceedsAndIsReported() throws IOException {
        GuardedRun.Result r;
        try (DotListeners l = DotListeners.open()) {
            r = GuardedRun.cordon(dir, dns).opt("--mode", "audit").sh("""
                    echo "== dot4"; /usr/bin/python3 %1$s 127.0.0.1 853
                    echo "== dot6"; /usr/bin/python3 %1$s ::1 853
                    echo "== names"; /usr/bin/python3 %2$s dns.google
                    true
                    """.formatted(connect, resolve));
        }
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("dot4")).startsWith("connect ok");
        assertThat(r.section("dot6")).startsWith("connect ok");
        assertThat(r.section("names")).contains("dns.google ok " + DOH_LOOPBACK);
        assertThat(r.lines("CONNECT", "AUDIT")).hasSize(2).allSatisfy(v -> {
            assertThat(v.get("reason")).isEqualTo("EncryptedDNS");
            assertThat(v.get("port")).isEqualTo("853");
            assertThat(v.get("blocked")).isEqualTo("false");
            assertThat(v.get("mode")).isEqualTo("audit");
            assertThat(v.get("cmd")).startsWith("/usr/bin/python3 " + connect);
            assertThat(v.pid()).isPositive();
        });
        assertThat(r.dns("AUDIT", "dns.google.")).isNotEmpty().allSatisfy(v -> assertThat(v.get("reason")).isEqualTo("EncryptedDNS"));
    }

    @Test
    void allowEncryptedDnsOpensPort853AndTheNames() throws IOException {
        GuardedRun.Result r;
        try (DotListeners l = DotListeners.open()) {
            r = GuardedRun.cordon(dir, dns).opt("--allow-encrypted-dns").sh("""
                    echo "== dot4"; /usr/bin/python3 %1$s 127.0.0.1 853
                    echo "== names"; /usr/bin/python3 %2$s dns.google
                    true
                    """.formatted(connect, resolve));
        }
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("dot4")).startsWith("connect ok");
        assertThat(r.section("names")).contains("dns.google ok " + DOH_LOOPBACK);
        assertThat(r.where(v -> v.get("reason") != null && v.get("reason").equals("EncryptedDNS"))).isEmpty();
    }

    @Test
    void aPolicyRuleNamingPort853AllowsThatDotServerOnly() throws IOException {
        Path policy = dir.resolve("policy.yaml");
        java.nio.file.Files.writeString(policy, """
                version: 1
                allow:
                  cidrs:
                    - cidr: 127.0.0.1
                      ports: [853]
                """);
        GuardedRun.Result r;
        try (DotListeners l = DotListeners.open()) {
            r = GuardedRun.cordon(dir, dns).opt("--policy", policy.toString()).sh("""
                    echo "== dot4"; /usr/bin/python3 %1$s 127.0.0.1 853
                    echo "== dot6"; /usr/bin/python3 %1$s ::1 853
                    true
                    """.formatted(connect));
        }
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("dot4")).startsWith("connect ok");
        assertThat(r.section("dot6")).startsWith("connect errno=EPERM");
    }
}
