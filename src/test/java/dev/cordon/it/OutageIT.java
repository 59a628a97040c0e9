package dev.cordon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.cordon.it.DnsWorld.GITHUB_IP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * --simulate-outage against real clients: each style, curl with and without its own timeout, the
 * wait cordon measured for every attempt (events file), and that nothing else is disturbed.
 */
class OutageIT {
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

    private String url(String host) {
        return "http://" + host + ":" + (host.equals("ok.internal") ? world.ok.port() : world.github.port()) + "/";
    }

    private GuardedRun outage(String style, String wait, Path events) {
        return world.cordon(dir).opt("--simulate-outage", "github.com", "--outage-style", style, "--outage-wait", wait,
                "--events", events.toString());
    }

    private static long waited(Map<String, String> record) {
        return Long.parseLong(record.get("waitedMs"));
    }

    @Test
    void timeoutHoldsDnsThenServfailsAndAConnectWithoutItsOwnTimeoutGivesUpAtTheCap() throws Exception {
        Path events = dir.resolve("events.jsonl");
        int port = world.github.port();
        int requestsBefore = world.github.requests.get();
        GuardedRun.Result r = outage("timeout", "1500ms", events).timeout(Duration.ofSeconds(60)).sh(
                "/usr/bin/curl -sS -o /dev/null " + url("github.com") + "; echo resolve=$?; "
                        + "/usr/bin/curl -sS -o /dev/null --resolve github.com:" + port + ":" + GITHUB_IP + " " + url("github.com")
                        + "; echo connect=$?; /usr/bin/curl -sS " + url("ok.internal") + "; echo ok=$?");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("resolve=6", "connect=28", "ok=0", world.ok.body());
        assertThat(world.github.requests.get()).as("nothing reached the dead dependency").isEqualTo(requestsBefore);

        List<Map<String, String>> records = JsonLines.read(events);
        List<Map<String, String>> dns = JsonLines.ofType(records, "dns").stream().filter(d -> "outage".equals(d.get("verdict"))).toList();
        assertThat(dns).as("glibc asked A and AAAA, each held").hasSizeGreaterThanOrEqualTo(2).allSatisfy(d -> {
            assertThat(d.get("domain")).isEqualTo("github.com.");
            assertThat(d.get("reason")).isEqualTo("SimulatedOutage");
            assertThat(d.get("outageStyle")).isEqualTo("timeout");
            assertThat(waited(d)).isBetween(1400L, 3000L);
            assertThat(d.get("cmd")).startsWith("/usr/bin/curl -sS -o /dev/null http://github.com");
        });
        Map<String, String> connect = JsonLines.ofType(records, "connect").stream()
                .filter(c -> "outage".equals(c.get("verdict"))).findFirst().orElseThrow(() -> new AssertionError(records));
        assertThat(connect.get("ip")).isEqualTo(GITHUB_IP);
        assertThat(connect.get("domain")).isEqualTo("github.com.");
        assertThat(connect.get("waitEnd")).isEqualTo("closed");
        assertThat(waited(connect)).as("TCP_USER_TIMEOUT ended the connect at the cap").isBetween(1400L, 4000L);
        assertThat(r.lines("CONNECT", "OUTAGE")).singleElement().satisfies(l -> {
            assertThat(l.get("outage")).isEqualTo("timeout");
            assertThat(l.get("waitEnd")).isEqualTo("closed");
        });
        assertThat(JsonLines.ofType(records, "exit")).as("each curl's exit status is recorded")
                .extracting(e -> e.get("exitCode")).contains("6", "28", "0");
        assertThat(JsonLines.ofType(records, "run-end")).singleElement()
                .satisfies(e -> assertThat(e.get("violations")).as("an outage is no violation").isEqualTo("0"));
    }

    @Test
    void aClientsOwnTimeoutEndsTheWaitBeforeTheCap() throws Exception {
        Path events = dir.resolve("events.jsonl");
        int port = world.github.port();
        GuardedRun.Result r = outage("timeout", "20s", events).sh(
                "/usr/bin/curl -sS --connect-timeout 1 -o /dev/null --resolve github.com:" + port + ":" + GITHUB_IP + " "
                        + url("github.com") + "; echo connect=$?");

        assertThat(r.out()).as(r.toString()).contains("connect=28");
        assertThat(r.elapsed()).as("the 20 s cap was never reached").isLessThan(Duration.ofSeconds(15));
        Map<String, String> connect = JsonLines.ofType(JsonLines.read(events), "connect").stream()
                .filter(c -> "outage".equals(c.get("verdict"))).findFirst().orElseThrow();
        assertThat(waited(connect)).isBetween(900L, 3000L);
        assertThat(connect.get("waitEnd")).isIn("closed", "exited");
    }

    /**
     * refuse works on kernels before 6.1 too: the connect is sent to a loopback port cordon holds and
     * never listens on, so it fails as against a dead host, in every way a client may connect.
     */
    @Test
    void refuseFailsBlockingNonBlockingAndMappedConnectsWithConnectionRefused() {
        int port = world.github.port();
        String script = """
                import errno, select, socket, sys
                ip, port = sys.argv[1], int(sys.argv[2])
                def refused(family, addr):
                    s = socket.socket(family, socket.SOCK_STREAM)
                    try:
                        s.connect(addr)
                        return "connected"
                    except OSError as e:
                        return errno.errorcode.get(e.errno, str(e.errno))
                print("v4", refused(socket.AF_INET, (ip, port)))
                print("mapped", refused(socket.AF_INET6, ("::ffff:" + ip, port)))
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                first = s.connect_ex((ip, port))
                select.select([], [s], [], 5)
                print("nonblocking", errno.errorcode.get(first), errno.errorcode.get(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)))
                """;
        GuardedRun.Result r = outage("refuse", "10s", dir.resolve("events.jsonl"))
                .run("python3", "-c", script, GITHUB_IP, Integer.toString(port));

        assertThat(r.out()).as(r.toString()).contains("v4 ECONNREFUSED", "mapped ECONNREFUSED", "nonblocking EINPROGRESS ECONNREFUSED");
        assertThat(r.lines("CONNECT", "OUTAGE")).as(r.toString()).hasSize(3)
                .allSatisfy(l -> assertThat(l.get("waitEnd")).isEqualTo("refused"));
    }

    @Test
    void refuseResolvesButRefusesConnectionsAtOnce() throws Exception {
        Path events = dir.resolve("events.jsonl");
        GuardedRun.Result r = outage("refuse", "10s", events).sh("/usr/bin/curl -sS -o /dev/null " + url("github.com") + "; echo connect=$?");

        assertThat(r.out()).as(r.toString()).contains("connect=7");
        assertThat(r.err()).contains("Couldn't connect to server");
        assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(8));
        List<Map<String, String>> records = JsonLines.read(events);
        assertThat(JsonLines.ofType(records, "dns")).filteredOn(d -> "outage".equals(d.get("verdict")))
                .anySatisfy(d -> assertThat(d.get("addresses")).contains(GITHUB_IP));
        assertThat(JsonLines.ofType(records, "connect")).filteredOn(c -> "outage".equals(c.get("verdict"))).singleElement()
                .satisfies(c -> {
                    assertThat(c.get("waitEnd")).isEqualTo("refused");
                    assertThat(waited(c)).isZero();
                    assertThat(c.get("ip")).isEqualTo(GITHUB_IP);
                });
    }

    @Test
    void servfailFailsResolutionAtOnceAndDropsUdpSilently() throws Exception {
        Path events = dir.resolve("events.jsonl");
        String udp = "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)\n"
                + "print('sent', s.sendto(b'ping', ('" + GITHUB_IP + "', 9)))\n"
                + "try:\n    s.recv(10); print('answered')\nexcept socket.timeout:\n    print('no answer')\n";
        GuardedRun.Result r = outage("servfail", "10s", events).run("/bin/sh", "-c",
                "/usr/bin/curl -sS -o /dev/null " + url("alias.internal") + "; echo cname=$?; /usr/bin/python3 -c \"$0\"", udp);

        assertThat(r.out()).as(r.toString()).contains("cname=6", "sent 4", "no answer");
        List<Map<String, String>> records = JsonLines.read(events);
        assertThat(JsonLines.ofType(records, "dns")).filteredOn(d -> "outage".equals(d.get("verdict")))
                .as("a CNAME into the dead domain fails as it would").isNotEmpty().allSatisfy(d -> {
                    assertThat(d.get("domain")).isEqualTo("alias.internal.");
                    assertThat(d.get("blockedName")).isEqualTo("github.com.");
                    assertThat(waited(d)).isLessThan(1000L);
                });
        assertThat(JsonLines.ofType(records, "sendmsg")).filteredOn(c -> "outage".equals(c.get("verdict"))).singleElement()
                .satisfies(c -> assertThat(c.get("proto")).isEqualTo("udp"));
    }

    @Test
    void failOnViolationTurnsASucceedingRunWithABlockIntoExit120() throws Exception {
        String script = "/usr/bin/curl -sS -o /dev/null " + url("github.com") + "; echo curl=$?; true";

        GuardedRun.Result plain = world.cordon(dir).opt("--deny", "github.com").sh(script);
        GuardedRun.Result failing = world.cordon(dir).opt("--deny", "github.com", "--fail-on-violation").sh(script);
        GuardedRun.Result audited = world.cordon(dir).opt("--deny", "github.com", "--mode", "audit", "--fail-on-violation").sh(script);
        GuardedRun.Result clean = world.cordon(dir).opt("--deny", "evilgithub.com", "--fail-on-violation").sh(script);
        GuardedRun.Result outageOnly = world.cordon(dir).opt("--simulate-outage", "github.com", "--outage-style", "servfail",
                "--fail-on-violation").sh(script);

        assertThat(plain.exit()).as(plain.toString()).isZero();
        assertThat(failing.exit()).as(failing.toString()).isEqualTo(120);
        assertThat(failing.out()).contains("curl=6");
        assertThat(failing.err()).contains("--fail-on-violation");
        assertThat(audited.exit()).as("would-be-blocked counts too").isEqualTo(120);
        assertThat(audited.out()).contains("curl=0");
        assertThat(clean.exit()).as(clean.toString()).isZero();
        assertThat(outageOnly.exit()).as("a rehearsed outage is not a violation").isZero();
    }
}
