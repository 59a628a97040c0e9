package dev.cordon.it;

import dev.cordon.testing.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real Prometheus server (Debian's {@code prometheus} package) for one test: its config, rule
 * files and data directory in the test's directory, its web port on 127.0.0.1, scraping targets on
 * loopback every second. Killed on close; the test's directory goes with the test.
 */
final class PrometheusServer implements AutoCloseable {
    static final String JOB = "cordon-guard";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One series of a query's answer. */
    record Sample(Map<String, String> labels, double value) {}

    private final Process process;
    private final int port;
    private final Path log;

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Scrapes {@code target} (host:port) as job {@value #JOB}, evaluating {@code ruleFiles}, every second. */
    static PrometheusServer start(Path dir, String target, List<Path> ruleFiles) throws IOException {
        StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n");
        if (!ruleFiles.isEmpty()) {
            config.append("rule_files:\n");
            for (Path r : ruleFiles) config.append("  - ").append(r.toAbsolutePath()).append('\n');
        }
        config.append("scrape_configs:\n  - job_name: ").append(JOB).append("\n    static_configs:\n      - targets: ['")
                .append(target).append("']\n");
        Path file = Files.writeString(dir.resolve("prometheus.yml"), config);
        Path log = dir.resolve("prometheus.log");
        AssertionError last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Process p = new ProcessBuilder("prometheus", "--config.file=" + file, "--storage.tsdb.path=" + dir.resolve("prometheus-data"),
                    "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            PrometheusServer server = new PrometheusServer(p, port, log);
            if (Await.until(Duration.ofSeconds(30), () -> !p.isAlive() || server.ready())) {
                if (p.isAlive()) return server;
            }
            Host.kill(p);
            last = new AssertionError("prometheus did not come up on 127.0.0.1:" + port + ":\n" + server.logText());
        }
        throw last;
    }

    private boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/-/ready")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    /** An instant query through the HTTP API ({@code /api/v1/query}): one sample per series. */
    @SuppressWarnings("unchecked")
    List<Sample> query(String promql) {
        String body;
        try {
            body = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        // Each sample is [time, "value"], the time a float; the tests' strict parser takes integers only, and no test needs it.
        Map<String, Object> answer = Json.parseObject(body.replaceAll("\"value\":\\[[0-9.]+,", "\"value\":[0,"));
        if (!"success".equals(answer.get("status"))) throw new AssertionError("query " + promql + " failed: " + body);
        Map<String, Object> data = (Map<String, Object>) answer.get("data");
        List<Sample> out = new ArrayList<>();
        for (Object r : (List<Object>) data.get("result")) {
            Map<String, Object> series = (Map<String, Object>) r;
            List<Object> value = (List<Object>) series.get("value");
            out.add(new Sample((Map<String, String>) (Map<String, ?>) series.get("metric"), Double.parseDouble((String) value.get(1))));
        }
        return out;
    }

    /** The single value of {@code promql}, or NaN when it has no series (yet). */
    double value(String promql) {
        List<Sample> s = query(promql);
        if (s.size() > 1) throw new AssertionError(promql + " has " + s.size() + " series: " + s);
        return s.isEmpty() ? Double.NaN : s.getFirst().value();
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    @Override
    public void close() {
        Host.kill(process);
    }
}
