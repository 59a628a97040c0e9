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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's path, as a newcomer runs it: `cordon demo world` serves the fake GitHub and internal
 * API; examples/deploy.sh is audited, `cordon suggest` turns the audit into an allowlist, `cordon
 * policy check` accepts it, the same script then passes in enforce mode under that policy with
 * --fail-on-violation, a new dependency fails it, and an outage rehearsal reports where it hung.
 */
class RoundTripIT {
    @TempDir
    static Path worldDir;
    @TempDir
    Path dir;
    static Process world;
    static int dnsPort;
    static int httpPort;

    @BeforeAll
    static void startWorld() throws IOException {
        dnsPort = freeUdpPort();
        httpPort = freeTcpPortOnDemoAddresses();
        Path log = worldDir.resolve("world.log");
        ProcessBuilder pb = new ProcessBuilder(Host.cordonHome().resolve("bin/cordon").toString(), "demo", "world",
                "--dns-port", Integer.toString(dnsPort), "--http-port", Integer.toString(httpPort))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PATH", Host.PATH);
        pb.environment().put("JAVA_HOME", Host.JDK.toString());
        world = pb.start();
        boolean up = Host.await(Duration.ofSeconds(60), () -> read(log).contains("serving until stopped") || !world.isAlive());
        assertThat(up && world.isAlive()).as("cordon demo world started:\n%s", read(log)).isTrue();
    }

    @AfterAll
    static void stopWorld() {
        if (world != null) Host.kill(world);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** A port free on 127.0.0.10 (the demo's first address); the demo binds the same port on .11 and .12. */
    private static int freeTcpPortOnDemoAddresses() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.10", 0));
            return s.getLocalPort();
        }
    }

    private GuardedRun cordon() {
        return GuardedRun.cordon(dir, "127.0.0.1:" + dnsPort);
    }

    private String deploy() {
        return "DEMO_HTTP_PORT=" + httpPort + " exec " + Host.cordonHome().resolve("examples/deploy.sh");
    }

    private Host.Out cordonCli(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = Host.cordonHome().resolve("bin/cordon").toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        return Host.run(Duration.ofSeconds(60), cmd);
    }

    @Test
    void auditThenSuggestThenEnforcePassesAndANewDependencyFails() throws Exception {
        Path audit = dir.resolve("audit.jsonl");
        Path policy = dir.resolve("policy.yaml");

        GuardedRun.Result audited = cordon().opt("--mode", "audit", "--default", "deny", "--events", audit.toString()).sh(deploy());
        assertThat(audited.exit()).as(audited.toString()).isZero();
        assertThat(audited.out()).contains("deploy: config applied");
        assertThat(audited.lines("DNS", "AUDIT")).as("an allowlist audit reports every name").isNotEmpty();

        Host.Out suggested = cordonCli("suggest", audit.toString(), "-o", policy.toString());
        assertThat(suggested.exit()).as(suggested.toString()).isZero();
        String yaml = Files.readString(policy);
        assertThat(yaml).contains("default: deny", "mode: enforce", "github.com", "deploy-api.internal",
                "tools-mirror.internal", "githubusercontent.com");
        Host.Out check = cordonCli("policy", "check", policy.toString());
        assertThat(check.exit()).as(check + "\n" + yaml).isZero();

        GuardedRun.Result enforced = cordon().opt("--policy", policy.toString(), "--fail-on-violation").sh(deploy());
        assertThat(enforced.exit()).as(enforced + "\n" + yaml).isZero();
        assertThat(enforced.out()).contains("deploy: config applied");
        assertThat(enforced.lines()).as("nothing blocked under the learned policy").isEmpty();

        GuardedRun.Result drifted = cordon().opt("--policy", policy.toString(), "--fail-on-violation")
                .sh(deploy().replace("exec ", "") + " && getent hosts new-dependency.example; echo getent=$?");
        assertThat(drifted.exit()).as(drifted.toString()).isEqualTo(120);
        assertThat(drifted.out()).contains("deploy: config applied", "getent=2");
        assertThat(drifted.dns("BLOCKED", "new-dependency.example.")).isNotEmpty();
        assertThat(drifted.err()).contains("blocked").contains("new-dependency.example");
    }

    @Test
    void anOutageRehearsalReportsWhichStepWaitedAndForHowLong() throws Exception {
        Path report = dir.resolve("outage.md");
        GuardedRun.Result r = cordon().opt("--simulate-outage", "github.com", "--outage-wait", "1s", "--report", report.toString())
                .sh(deploy());

        assertThat(r.exit()).as(r.toString()).isEqualTo(6);
        assertThat(r.out()).doesNotContain("deploy: config applied");
        assertThat(r.err()).as("the summary names the step").containsPattern("outage +api\\.github\\.com +\\d+× +waited \\d");
        String md = Files.readString(report);
        assertThat(md).contains("### Simulated outages", "api.github.com", "curl -fsS --max-time 30", "failed (exit 6)");
    }
}
