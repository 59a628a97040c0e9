package dev.cordon.it;

import dev.cordon.otlp.OtlpReceiver;
import dev.cordon.otlp.OtlpSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * OpenTelemetry export end to end: cordon run and cordon guard send what they block to an OTLP/HTTP receiver on
 * loopback (the tests' own, decoding with opentelemetry-proto: no collector binary can be installed here); a
 * collector that is down costs at most the flush time and the dropped records are counted; a run without export
 * loads no OpenTelemetry class. Names come from the test's dnsmasq on loopback, never the machine's resolver.
 */
class OtlpIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    @TempDir
    static Path worldDir;
    static DnsWorld world;

    private static final String[] DIG = {"/usr/bin/dig", "+tries=1", "+time=5", "@127.0.0.53", "github.com"};
    private static final Duration WAIT = Duration.ofSeconds(30);

    @BeforeAll
    static void startWorld() throws IOException {
        world = DnsWorld.start(worldDir);
    }

    @AfterAll
    static void stopWorld() {
        if (world != null) world.close();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort(); // closed again: nothing listens there
        }
    }

    private static List<Map<String, String>> blockedQueries(List<Map<String, String>> events) {
        return events.stream().filter(m -> "dns".equals(m.get("type")) && "blocked".equals(m.get("verdict"))).toList();
    }

    @Test
    void aBlockedQueryReachesTheCollectorNamingTheProcessItsFileAndItsCommand() throws Exception {
        Path dir = kernel.dir(), events = dir.resolve("events.jsonl");
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            GuardedRun.Result r = world.cordon(dir).opt("--deny", "github.com", "--events", events.toString())
                    .env(OtlpSettings.ENDPOINT, receiver.url()).run(DIG);

            assertThat(r.out()).as(r.toString()).contains("status: NXDOMAIN");
            assertThat(r.err()).doesNotContain("cordon: otlp:");
            List<Map<String, String>> records = JsonLines.read(events);
            Map<String, String> query = blockedQueries(records).getFirst();
            List<OtlpReceiver.Received> got = receiver.logs().stream()
                    .filter(l -> "dns".equals(l.attributes().get("type")) && "github.com.".equals(l.attributes().get("domain"))).toList();
            assertThat(got).as("%s", receiver.logs()).hasSize(blockedQueries(records).size());
            Map<String, Object> a = got.getFirst().attributes();
            assertThat(a).containsEntry("verdict", "blocked").containsEntry("blocked", true).containsEntry("rule", "github.com")
                    .containsEntry("reason", "FromDNSRequest").containsEntry("mode", "enforce")
                    .containsEntry("pid", Long.parseLong(query.get("pid")))
                    .containsEntry("exe", "/usr/bin/dig").containsEntry("exeSource", "exec")
                    .containsEntry("cmd", String.join(" ", DIG)).containsEntry("argv", List.of(DIG));
            assertThat((Long) a.get("pid")).isPositive();
            assertThat(got.getFirst().record().getBody().getStringValue()).startsWith("WARN DNS BLOCKED reason=FromDNSRequest");
            assertThat(got.getFirst().resource()).containsEntry("service.name", "cordon")
                    .containsEntry("host.name", Files.readString(Path.of("/proc/sys/kernel/hostname")).strip())
                    .containsKey("service.version")
                    .hasEntrySatisfying("cordon.session", s -> assertThat((String) s).matches("cordon-" + r.cordonPid() + "-[0-9a-f]{8}"))
                    .doesNotContainKey("cordon.guard");
            assertThat(receiver.counter("cordon.attempts"))
                    .containsEntry(Map.of("type", "dns", "verdict", "blocked", "rule", "github.com"), (long) got.size());
            assertThat(records.getLast()).containsEntry("type", "run-end").containsEntry("otlpDropped", "0");
        }
    }

    @Test
    void withTheCollectorDownTheRunEndsWithinTheFlushTimeAndSaysHowManyRecordsWereDropped() throws Exception {
        Path dir = kernel.dir(), events = dir.resolve("events.jsonl");
        String url = "http://127.0.0.1:" + closedPort();
        GuardedRun.Result plain = world.cordon(dir).opt("--deny", "github.com").run(DIG);
        GuardedRun.Result down = world.cordon(dir).opt("--deny", "github.com", "--events", events.toString())
                .env(OtlpSettings.ENDPOINT, url).run(DIG);

        assertThat(down.out()).as(down.toString()).contains("status: NXDOMAIN");
        List<Map<String, String>> records = JsonLines.read(events);
        int blocked = blockedQueries(records).size();
        assertThat(blocked).isPositive();
        assertThat(down.err()).contains("cordon: otlp: " + blocked + " of " + blocked + " log record(s) and the last counters not "
                + "delivered to " + url + " (the collector did not confirm them within the " + OtlpSettings.FLUSH_SECONDS + " s flush time)");
        assertThat(records.getLast()).containsEntry("type", "run-end").containsEntry("otlpDropped", Integer.toString(blocked));
        assertThat(down.elapsed()).as("the same run without export took %s", plain.elapsed())
                .isLessThan(plain.elapsed().plus(OtlpSettings.FLUSH).plus(Duration.ofSeconds(2)));
    }

    @Test
    void otlpAllSendsAllowedQueriesAndConnectsToo() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            String url = "http://ok.internal:" + world.ok.port() + "/";
            GuardedRun.Result r = world.cordon(kernel.dir()).opt("--otlp", receiver.url(), "--otlp-all")
                    .run("/usr/bin/curl", "-sS", "-m", "10", "-o", "/dev/null", url);

            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(receiver.logs()).extracting(l -> l.attributes().get("type") + " " + l.attributes().get("verdict"))
                    .as("the kernel reports allowed connects only when something records them: --otlp-all does")
                    .contains("dns allowed", "connect allowed");
            assertThat(receiver.logs()).filteredOn(l -> "connect".equals(l.attributes().get("type"))).allSatisfy(l ->
                    assertThat(l.attributes()).containsEntry("ip", DnsWorld.OK_IP).containsEntry("domain", "ok.internal.")
                            .containsEntry("exe", "/usr/bin/curl"));
        }
    }

    @Test
    void aGuardSendsWhatItBlocksNamingTheTask() throws Exception {
        Path dir = kernel.dir();
        TestCgroup cg = kernel.closeAfter(TestCgroup.create(kernel.cgroupRoot()));
        CgroupShell shell = cg.shell(cg.child("job-7"), dir);
        try (OtlpReceiver receiver = OtlpReceiver.start();
             Dnsmasq dns = new Dnsmasq().host("secret.internal", "127.0.31.6").start(dir)) {
            CordonProcess guard = kernel.start("guard", "--cgroup", cg.path().toString(), "--upstream", "127.0.0.1:" + dns.port(),
                    "--deny", "secret.internal", "--otlp", receiver.url());
            Await.require(WAIT, "the guard to start guarding", () -> guard.stderrSoFar().contains("cordon: guarding ") || !guard.isAlive(),
                    guard::toString);
            String dig = "dig @127.0.0.1 -p " + dns.port() + " +time=2 +tries=1 +short secret.internal";
            assertThat(shell.run(dig, Duration.ofSeconds(20)).output()).doesNotContain("127.0.31.6");
            Await.require(WAIT, "the record at the collector (batches leave within a second)",
                    () -> receiver.logs().stream().anyMatch(l -> "secret.internal.".equals(l.attributes().get("domain"))),
                    () -> guard + "\nreceived: " + receiver.logs());
            guard.signal("TERM");
            CordonResult r = guard.await(WAIT);
            assertThat(r.exitCode()).as("%s", r).isZero();

            OtlpReceiver.Received got = receiver.logs().stream()
                    .filter(l -> "secret.internal.".equals(l.attributes().get("domain"))).findFirst().orElseThrow();
            assertThat(got.attributes()).containsEntry("task", "job-7").containsEntry("verdict", "blocked")
                    .containsEntry("exe", "/usr/bin/dig").containsEntry("rule", "secret.internal");
            assertThat(got.resource()).containsEntry("cordon.guard", cg.path().toString())
                    .hasEntrySatisfying("cordon.session", s -> assertThat((String) s).startsWith("cordon-" + guard.pid() + "-"));
            assertThat(receiver.counter("cordon.attempts")).hasEntrySatisfying(
                    Map.of("type", "dns", "verdict", "blocked", "rule", "secret.internal", "task", "job-7"),
                    n -> assertThat(n).isPositive());
        }
    }

    @Test
    void aRunWithoutExportLoadsNoOpenTelemetryClass() throws Exception {
        Path dir = kernel.dir();
        Path plainLog = dir.resolve("plain-classes.log"), otlpLog = dir.resolve("otlp-classes.log");
        CordonResult plain = kernel.start(Map.of("JDK_JAVA_OPTIONS", "-Xlog:class+load=info:file=" + plainLog),
                List.of("run", "--upstream", "127.0.0.1:9", "--", "true")).await(WAIT);
        assertThat(plain.exitCode()).as("%s", plain).isZero();
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            CordonResult exported = kernel.start(Map.of("JDK_JAVA_OPTIONS", "-Xlog:class+load=info:file=" + otlpLog),
                    List.of("run", "--upstream", "127.0.0.1:9", "--otlp", receiver.url(), "--", "true")).await(WAIT);
            assertThat(exported.exitCode()).as("%s", exported).isZero();
        }

        String loaded = Files.readString(plainLog);
        assertThat(loaded).as("the log names the classes of the run").contains("dev.cordon.session.Session ", "dev.cordon.otlp.OtlpSettings");
        assertThat(loaded.lines().filter(l -> l.contains(" io.opentelemetry.") || l.contains("dev.cordon.otlp.OtlpSink"))).isEmpty();
        assertThat(Files.readString(otlpLog)).as("the same log with export on names them").contains(" io.opentelemetry.sdk.logs.SdkLoggerProvider ");
    }
}
