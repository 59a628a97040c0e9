package dev.cordon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cordon.it.DnsWorld.GITHUB_IP;
import static dev.cordon.it.DnsWorld.OK_IP;
import static org.assertj.core.api.Assertions.assertThat;

/** The proxy keeps serving after malformed input, and a blocked name fails fast for every client. */
class DnsRobustnessIT {
    @TempDir
    static Path worldDir;
    @TempDir
    static Path scripts;
    @TempDir
    Path dir;
    static DnsWorld world;

    @BeforeAll
    static void start() throws IOException {
        world = DnsWorld.start(worldDir);
        for (String s : List.of("dnslib.py", "garbage.py", "resolve.py", "connect.py", "flood.py")) Host.script(scripts, s);
    }

    @AfterAll
    static void stop() {
        if (world != null) world.close();
    }

    @Test
    void garbageSentToTheProxyIsAnsweredWithFormerrOrIgnoredAndTheNextGoodQueryIsAnswered() {
        GuardedRun.Result r = world.cordon(dir).opt("--deny", "github.com").sh("""
                /usr/bin/python3 %s
                echo "== dig"; dig +short +tries=1 +time=5 @127.0.0.53 ok.internal
                echo "== dig-tcp"; dig +tcp +short +tries=1 +time=5 @127.0.0.53 ok.internal
                """.formatted(scripts.resolve("garbage.py")));

        assertThat(r.exit()).as(r.toString()).isZero();
        String out = r.out();
        // too short for a header, or a response: nothing to answer
        assertThat(out).contains("udp 0 -> none", "udp 1 -> none", "udp 2 -> none", "udp 8 -> none");
        // a header we can answer: FORMERR with the id copied
        assertThat(out).contains("udp 3 -> FORMERR id=43981", "udp 4 -> FORMERR id=30583", "udp 5 -> FORMERR id=4369",
                "udp 6 -> FORMERR id=8738", "udp 7 -> FORMERR id=13107");
        Matcher random = Pattern.compile("(?m)^udp (9|10) -> (\\S+)").matcher(out);
        while (random.find()) assertThat(random.group(2)).as("random bytes").isIn("none", "FORMERR", "NOTIMP");
        assertThat(out).containsPattern("(?m)^tcp 0 -> closed$"); // 5 bytes: no header to answer
        assertThat(out).containsPattern("(?m)^tcp 1 -> closed$");
        assertThat(out).containsPattern("(?m)^tcp 2 -> closed$");
        assertThat(out).containsPattern("(?m)^tcp 3 -> FORMERR id=4369$");
        assertThat(out).contains("good-udp ok.internal rcode=NOERROR id=30583 ips=" + OK_IP);
        assertThat(out).contains("good-tcp ok.internal rcode=NOERROR id=30583 ips=" + OK_IP);
        assertThat(r.section("dig").strip()).isEqualTo(OK_IP);
        assertThat(r.section("dig-tcp").strip()).isEqualTo(OK_IP);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("cordon: dns:");
    }

    @Test
    void anUpstreamThatIsDownOrSilentGivesServfailWithinTheTimeoutAndIsReported() throws IOException {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            int deadPort;
            try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
                deadPort = probe.getLocalPort(); // closed again: queries to it meet ICMP port unreachable
            }
            String script = """
                    ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
                    s=$(date +%s%N); dig +tries=1 +time=10 @127.0.0.53 ok.internal | grep -o 'status: [A-Z]*'; echo "ms=$(ms $s)"
                    s=$(date +%s%N); dig +tries=1 +time=10 @127.0.0.53 github.com | grep -o 'status: [A-Z]*'; echo "blocked ms=$(ms $s)"
                    """;
            GuardedRun.Result down = GuardedRun.cordon(dir, "127.0.0.1:" + deadPort)
                    .opt("--deny", "github.com", "--upstream-timeout", "500").sh(script);
            assertThat(down.exit()).as(down.toString()).isZero();
            assertThat(down.out()).contains("status: SERVFAIL").contains("status: NXDOMAIN");
            assertThat(msValues(down.out())).allSatisfy(ms -> assertThat(ms).isLessThan(1000));
            assertThat(down.err()).contains("cordon: dns: 1 quer(ies) answered SERVFAIL because no upstream answered");

            GuardedRun.Result mute = GuardedRun.cordon(dir, "127.0.0.1:" + silent.getLocalPort())
                    .opt("--deny", "github.com", "--upstream-timeout", "500").sh(script);
            assertThat(mute.exit()).as(mute.toString()).isZero();
            assertThat(mute.out()).contains("status: SERVFAIL").contains("status: NXDOMAIN");
            List<Long> ms = msValues(mute.out());
            assertThat(ms.get(0)).as("SERVFAIL after the 500 ms upstream timeout").isBetween(400L, 2000L);
            assertThat(ms.get(1)).as("a blocked name needs no upstream").isLessThan(400L);
            assertThat(mute.err()).contains("answered SERVFAIL because no upstream answered");
        }
    }

    @Test
    void aQueryFloodPastTheInFlightCapGetsServfailAtOnceNotAWait() throws IOException {
        int n = 1600; // the proxy keeps at most 1024 queries in flight
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            // "early": answered before any query could have timed out upstream, so refused at the cap, not waited on
            String timeoutMs = "3000";
            GuardedRun.Result r = GuardedRun.cordon(dir, "127.0.0.1:" + silent.getLocalPort())
                    .opt("--upstream-timeout", timeoutMs)
                    .run("/usr/bin/python3", scripts.resolve("flood.py").toString(), Integer.toString(n), timeoutMs);

            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).as(r.toString()).contains("total SERVFAIL=" + n);
            Matcher early = Pattern.compile("early SERVFAIL=(\\d+)").matcher(r.out());
            assertThat(early.find()).as(r.toString()).isTrue();
            assertThat(Integer.parseInt(early.group(1))).as("answered at once, past the cap").isGreaterThanOrEqualTo(n - 1024);
            assertThat(r.err()).contains("refused at the in-flight cap");
        }
    }

    private static List<Long> msValues(String out) {
        Matcher m = Pattern.compile("ms=(\\d+)").matcher(out);
        List<Long> values = new java.util.ArrayList<>();
        while (m.find()) values.add(Long.parseLong(m.group(1)));
        assertThat(values).as(out).hasSize(2);
        return values;
    }

    @Test
    void aBlockedNameFailsFastForEveryClient() {
        String url = "http://github.com:" + world.github.port() + "/";
        GuardedRun.Result r = world.cordon(dir).opt("--deny", "github.com").sh("""
                ms() { echo $(( ($(date +%%s%%N) - $1) / 1000000 )); }
                s=$(date +%%s%%N); getent ahosts github.com > /dev/null; echo "getent rc=$? ms=$(ms $s)"
                s=$(date +%%s%%N); curl -sS --max-time 30 %1$s 2>/dev/null; echo "curl rc=$? ms=$(ms $s)"
                s=$(date +%%s%%N); dig +tries=3 +time=10 @127.0.0.53 github.com > /dev/null; echo "dig rc=$? ms=$(ms $s)"
                s=$(date +%%s%%N); dig +tcp +tries=3 +time=10 @127.0.0.53 github.com > /dev/null; echo "dig-tcp rc=$? ms=$(ms $s)"
                /usr/bin/python3 %2$s github.com
                /usr/bin/python3 %3$s %4$s %5$d || true
                """.formatted(url, scripts.resolve("resolve.py"), scripts.resolve("connect.py"), GITHUB_IP, world.github.port()));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("getent rc=2 ms=\\d+").containsPattern("curl rc=6 ms=\\d+")
                .containsPattern("dig rc=0 ms=\\d+").containsPattern("dig-tcp rc=0 ms=\\d+")
                .containsPattern("github.com error=EAI_NONAME ms=\\d+").containsPattern("connect errno=EPERM ms=\\d+");
        Matcher m = Pattern.compile("(?m)^(.*?) ms=(\\d+)$").matcher(r.out());
        int measured = 0;
        while (m.find()) {
            assertThat(Long.parseLong(m.group(2))).as("%s: a blocked name or address fails at once", m.group(1)).isLessThan(1000);
            measured++;
        }
        assertThat(measured).isEqualTo(6);
        assertThat(r.lines("DNS", "BLOCKED")).hasSizeGreaterThanOrEqualTo(5);
        assertThat(r.lines("CONNECT", "BLOCKED")).hasSize(1);
    }
}
