package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cordon guard --metrics-listen}, scraped by the real Prometheus server (Debian's package) on
 * loopback, with the example alerting rules loaded: traffic from a task of the guarded cgroup shows
 * up in Prometheus's own query API by type, verdict, rule and task, a refused reload and a stopped
 * guard raise their alerts; a port in use fails before anything is attached; without the option
 * not one class of the metrics library is loaded.
 */
class MetricsIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration CMD = Duration.ofSeconds(20);
    private static final Path RULES = Path.of("examples/prometheus/cordon-rules.yml").toAbsolutePath();
    private static final Pattern SERVING = Pattern.compile("cordon: serving metrics on http://(127\\.0\\.0\\.1:\\d+)/metrics");

    private static void awaitGuarding(CordonProcess guard) {
        Await.require(WAIT, "the guard to start guarding", () -> guard.stderrSoFar().contains("cordon: guarding ") || !guard.isAlive(),
                guard::toString);
        assertThat(guard.isAlive()).as("the guard exited:\n%s", guard).isTrue();
    }

    private static void awaitValue(PrometheusServer prometheus, String promql, double expected) {
        Await.require(WAIT, promql + " == " + expected + " in Prometheus", () -> prometheus.value(promql) == expected,
                () -> promql + " = " + prometheus.query(promql) + "\n" + prometheus.logText());
    }

    private static void awaitAlert(PrometheusServer prometheus, String alert, String state) {
        String q = "ALERTS{alertname=\"" + alert + "\",alertstate=\"" + state + "\"}";
        Await.require(WAIT, alert + " " + state, () -> !prometheus.query(q).isEmpty(),
                () -> "ALERTS = " + prometheus.query("ALERTS") + "\n" + prometheus.logText());
    }

    private static String curl(LoopbackWeb target) {
        return "curl -sS -m 10 -o /dev/null http://" + target.ip() + ":" + target.port() + "/";
    }

    @Test
    void prometheusScrapesTheGuardAndSeesEachTasksAttempts() throws IOException, InterruptedException {
        Path dir = kernel.dir();
        LoopbackWeb denied = kernel.closeAfter(new LoopbackWeb("127.0.0.2")), allowed = kernel.closeAfter(new LoopbackWeb("127.0.0.3"));
        TestCgroup cg = kernel.closeAfter(TestCgroup.create(kernel.cgroupRoot()));
        CgroupShell shell = cg.shell(cg.child("deploy-web"), dir);
        Dnsmasq dns = kernel.closeAfter(new Dnsmasq().host("ok.internal", "127.0.31.5").host("secret.internal", "127.0.31.6").start(dir));
        Path policy = Files.writeString(dir.resolve("policy.yaml"),
                "version: 1\ndeny:\n  domains: [secret.internal]\n  cidrs: [127.0.0.2/32]\n");
        Path classes = dir.resolve("classes.log");
        CordonProcess guard = kernel.start(Map.of("JDK_JAVA_OPTIONS", "-Xlog:class+load=info:file=" + classes),
                List.of("guard", "--cgroup", cg.path().toString(), "--policy", policy.toString(), "--upstream", dns.upstream(),
                        "--metrics-listen", "127.0.0.1:0"));
        awaitGuarding(guard);
        Matcher at = SERVING.matcher(guard.stderrSoFar());
        assertThat(at.find()).as("the guard says where it serves:\n%s", guard).isTrue();
        PrometheusServer prometheus = kernel.closeAfter(PrometheusServer.start(dir, at.group(1), List.of(RULES)));
        awaitValue(prometheus, "up{job=\"cordon-guard\"}", 1);

        String dig = "dig @127.0.0.1 -p " + dns.port() + " +time=2 +tries=1 +short ";
        assertThat(shell.run(curl(denied), CMD).status()).as("denied by the policy").isEqualTo(7);
        assertThat(shell.run(curl(allowed), CMD).status()).isZero();
        assertThat(shell.run(dig + "secret.internal", CMD).output()).doesNotContain("127.0.31.6");
        assertThat(shell.run(dig + "ok.internal", CMD).output()).contains("127.0.31.5");

        awaitValue(prometheus, "cordon_attempts_total{type=\"connect\",verdict=\"blocked\",rule=\"127.0.0.2/32\",task=\"deploy-web\"}", 1);
        awaitValue(prometheus, "cordon_attempts_total{type=\"dns\",verdict=\"blocked\",rule=\"secret.internal\",task=\"deploy-web\"}", 1);
        // Each series appears at the next scrape after its first attempt: wait for it, as for the ones above.
        for (String series : List.of("cordon_attempts_total{type=\"connect\",verdict=\"allowed\",task=\"deploy-web\"}",
                "cordon_attempts_total{type=\"dns\",verdict=\"allowed\",task=\"deploy-web\",rule=\"default:allow\"}")) {
            Await.require(WAIT, series + " in Prometheus", () -> !prometheus.query(series).isEmpty(), null);
        }
        awaitValue(prometheus, "cordon_new_destinations_total{verdict=\"blocked\"}", 2); // secret.internal and 127.0.0.2:PORT
        awaitAlert(prometheus, "CordonNewDestinationBlocked", "firing");
        assertThat(prometheus.value("cordon_learned_addresses")).as("ok.internal, and secret.internal's address learned as denied")
                .isGreaterThanOrEqualTo(2);
        assertThat(prometheus.value("cordon_dns_proxy_duration_seconds_count")).isGreaterThanOrEqualTo(2);
        assertThat(prometheus.value("cordon_ring_buffer_dropped_events_total")).isZero();
        assertThat(prometheus.query("cordon_guard_info{cgroup=\"" + cg.path() + "\",mode=\"enforce\",default=\"allow\"}")).hasSize(1);

        Files.writeString(policy, "version: 1\ndeny:\n  cidrs: [127.0.0.0/33]\n");
        guard.signal("HUP");
        Await.require(WAIT, "the refused reload", () -> guard.stderrSoFar().contains("the policy in force stays"), guard::toString);
        awaitValue(prometheus, "cordon_policy_reloads_total{applied=\"false\"}", 1);
        awaitValue(prometheus, "cordon_policy_last_reload_successful", 0);
        awaitAlert(prometheus, "CordonPolicyReloadRefused", "firing");

        guard.signal("TERM");
        assertThat(guard.await(WAIT).exitCode()).isZero();
        awaitValue(prometheus, "up{job=\"cordon-guard\"}", 0);
        awaitAlert(prometheus, "CordonGuardDown", "pending"); // fires after a minute down
        assertThat(Files.readString(classes)).as("the metrics library was loaded (so the test below can see it is not)")
                .contains("io.prometheus.metrics.exporter.httpserver.HTTPServer");
    }

    @Test
    void aPortInUseFailsBeforeAnythingIsMadeOrAttached() throws IOException {
        TestCgroup cg = kernel.closeAfter(TestCgroup.create(kernel.cgroupRoot()));
        Path wanted = cg.path().resolve("made-by-the-guard");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String where = "127.0.0.1:" + taken.getLocalPort();
            CordonResult r = kernel.run("guard", "--cgroup", wanted.toString(), "--create", "--no-dns-proxy", "--metrics-listen", where);
            assertThat(r.exitCode()).as("%s", r).isEqualTo(125);
            assertThat(r.stderr()).contains("cordon: cannot serve metrics on " + where
                    + ": something else listens there (address already in use); pick another port, or port 0 for any free one; not guarding");
            assertThat(wanted).as("--create made nothing").doesNotExist();
            assertThat(HostState.attachments(kernel.cgroupRoot())).as("nothing attached").doesNotContainValue(wanted);
        }
        CordonResult remote = kernel.run("guard", "--cgroup", cg.path().toString(), "--no-dns-proxy", "--metrics-listen", "0.0.0.0:9464");
        assertThat(remote.exitCode()).isEqualTo(125);
        assertThat(remote.stderr()).contains("--metrics-listen 0.0.0.0:9464 would serve the metrics to the network");
        // The client library reads its own settings from the environment when it loads, whatever cordon gives it.
        CordonResult env = kernel.start(Map.of("PROMETHEUS_CONFIG", "/nonexistent/prometheus.properties"),
                List.of("guard", "--cgroup", wanted.toString(), "--create", "--no-dns-proxy", "--metrics-listen", "127.0.0.1:0"))
                .await(WAIT);
        assertThat(env.exitCode()).as("%s", env).isEqualTo(125);
        assertThat(env.stderr()).contains("cordon: the Prometheus client cannot start: Failed to read Prometheus properties file: "
                + "/nonexistent/prometheus.properties (it reads PROMETHEUS_CONFIG, IO_PROMETHEUS_* variables");
        assertThat(wanted).doesNotExist();
    }

    @Test
    void withoutMetricsNotOneClassOfTheLibraryIsLoaded() throws IOException {
        Path dir = kernel.dir();
        TestCgroup cg = kernel.closeAfter(TestCgroup.create(kernel.cgroupRoot()));
        Path classes = dir.resolve("classes.log");
        CordonProcess guard = kernel.start(Map.of("JDK_JAVA_OPTIONS", "-Xlog:class+load=info:file=" + classes),
                List.of("guard", "--cgroup", cg.path().toString(), "--deny-cidr", "127.0.0.2", "--upstream", "127.0.0.1:53"));
        awaitGuarding(guard);
        guard.signal("HUP");
        guard.signal("TERM");
        assertThat(guard.await(WAIT).exitCode()).isZero();
        String log = Files.readString(classes);
        assertThat(log).as("the log is the guard's").contains("dev.cordon.session.GuardSession");
        assertThat(log).doesNotContain("io.prometheus", "dev.cordon.metrics.GuardMetrics", "dev.cordon.metrics.MetricsServer");
    }
}
