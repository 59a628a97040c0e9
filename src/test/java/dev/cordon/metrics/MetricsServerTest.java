package dev.cordon.metrics;

import dev.cordon.events.Verdict;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HTTP side, on loopback: what a scraper gets, and why a bad address fails before a guard attaches. */
class MetricsServerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> get(String url, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (accept != null) r.header("Accept", accept);
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheTextFormatOnAnyFreePort() throws IOException, InterruptedException {
        GuardMetrics metrics = new GuardMetrics();
        metrics.attempt(GuardMetricsTest.connect(Verdict.BLOCKED, "192.0.2.7", "192.0.2.0/24", "deploy-web", null));
        try (MetricsServer server = MetricsServer.start(MetricsAddress.parse("127.0.0.1:0"), metrics)) {
            assertThat(server.address().getPort()).isPositive();
            assertThat(server.url()).isEqualTo("http://127.0.0.1:" + server.address().getPort() + "/metrics");
            HttpResponse<String> r = get(server.url(), "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(r.body()).contains(
                    "cordon_attempts_total{rule=\"192.0.2.0/24\",task=\"deploy-web\",type=\"connect\",verdict=\"blocked\"} 1.0\n");
            HttpResponse<String> om = get(server.url(), "application/openmetrics-text;version=1.0.0");
            assertThat(om.body()).contains("cordon_attempts_total{rule=\"192.0.2.0/24\",task=\"deploy-web\",type=\"connect\",verdict=\"blocked\"} 1.0")
                    .endsWith("# EOF\n");
            HttpResponse<String> proto = get(server.url(),
                    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,text/plain;q=0.4");
            assertThat(proto.statusCode()).as("a Prometheus with native histograms asks for protobuf first").isEqualTo(200);
            assertThat(proto.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/vnd.google.protobuf"));
            assertThat(get("http://" + MetricsAddress.text(server.address()) + "/-/healthy", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anIpv6LoopbackAddress() throws IOException, InterruptedException {
        try (MetricsServer server = MetricsServer.start(MetricsAddress.parse("[::1]:0"), new GuardMetrics())) {
            assertThat(server.url()).startsWith("http://[::1]:");
            assertThat(get(server.url(), null).body()).contains("# TYPE cordon_policy_reloads_total counter");
        }
    }

    @Test
    void aPortInUseSaysSoAndLeavesNothingRunning() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            MetricsAddress at = MetricsAddress.parse("127.0.0.1:" + taken.getLocalPort());
            java.util.Set<Thread> before = metricsThreads();
            assertThatThrownBy(() -> MetricsServer.start(at, new GuardMetrics())).isInstanceOf(IOException.class)
                    .hasMessage("cannot serve metrics on " + at.text() + ": something else listens there (address already in use); "
                            + "pick another port, or port 0 for any free one");
            // none started by this attempt (an earlier test's may still be ending: it may go, never come)
            assertThat(metricsThreads()).isSubsetOf(before);
        }
    }

    private static java.util.Set<Thread> metricsThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("cordon-metrics"))
                .collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void anAddressOfNoInterfaceSaysSo() {
        MetricsAddress at = MetricsAddress.parse("192.0.2.1:9464"); // TEST-NET-1: no interface here has it; never sent anything
        assertThatThrownBy(() -> MetricsServer.start(at, new GuardMetrics())).isInstanceOf(IOException.class)
                .hasMessage("cannot serve metrics on 192.0.2.1:9464: no interface of this host has that address");
    }
}
