package dev.cordon.otlp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * A stand-in for an OpenTelemetry Collector's OTLP/HTTP receiver, on loopback: it decodes every request with the
 * protocol's own classes (opentelemetry-proto) and keeps what it got. No collector binary can be installed here.
 * It can answer with an error status, or hold requests unanswered (a collector that hangs).
 */
public final class OtlpReceiver implements AutoCloseable {
    /** One log record with the resource and scope it came with. */
    public record Received(Map<String, Object> resource, String scope, LogRecord record) {
        public Map<String, Object> attributes() {
            return OtlpReceiver.attributes(record.getAttributesList());
        }
    }

    /** One request as it arrived: path, headers (lower-case names), body size on the wire. */
    public record Request(String path, Map<String, String> headers, int bodyBytes, int records) {}

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Received> logs = new CopyOnWriteArrayList<>();
    private final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile int status = 200;
    private volatile boolean hold;

    private OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(threads);
        server.createContext("/v1/logs", this::logs);
        server.createContext("/v1/metrics", this::metrics);
        server.start();
    }

    public static OtlpReceiver start() {
        try {
            return new OtlpReceiver();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL to give cordon ({@code --otlp}, OTEL_EXPORTER_OTLP_ENDPOINT). */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers every request with this status from now on (200: accept). */
    public OtlpReceiver answer(int httpStatus) {
        this.status = httpStatus;
        return this;
    }

    /** Holds every request unanswered from now on, until {@link #close}. */
    public OtlpReceiver hold() {
        this.hold = true;
        return this;
    }

    private void logs(HttpExchange x) throws IOException {
        byte[] wire = wire(x), body = decoded(x, wire);
        if (waitIfHeld()) return;
        ExportLogsServiceRequest req = ExportLogsServiceRequest.parseFrom(body);
        int n = 0;
        for (ResourceLogs rl : req.getResourceLogsList()) {
            Map<String, Object> resource = attributes(rl.getResource().getAttributesList());
            for (ScopeLogs sl : rl.getScopeLogsList()) {
                for (LogRecord r : sl.getLogRecordsList()) {
                    n++;
                    if (status == 200) logs.add(new Received(resource, sl.getScope().getName(), r));
                }
            }
        }
        requests.add(new Request(x.getRequestURI().getPath(), headers(x), wire.length, n));
        reply(x, ExportLogsServiceResponse.getDefaultInstance().toByteArray());
    }

    private void metrics(HttpExchange x) throws IOException {
        byte[] wire = wire(x), body = decoded(x, wire);
        if (waitIfHeld()) return;
        ExportMetricsServiceRequest req = ExportMetricsServiceRequest.parseFrom(body);
        if (status == 200) metrics.add(req);
        requests.add(new Request(x.getRequestURI().getPath(), headers(x), wire.length, 0));
        reply(x, ExportMetricsServiceResponse.getDefaultInstance().toByteArray());
    }

    private static byte[] wire(HttpExchange x) throws IOException {
        try (InputStream in = x.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    /** The request's protobuf: {@code wire} itself, or decompressed when it came gzip'd. */
    private static byte[] decoded(HttpExchange x, byte[] wire) throws IOException {
        if (!"gzip".equalsIgnoreCase(x.getRequestHeaders().getFirst("Content-Encoding"))) return wire;
        try (InputStream z = new GZIPInputStream(new ByteArrayInputStream(wire))) {
            return z.readAllBytes();
        }
    }

    private boolean waitIfHeld() {
        if (!hold) return false;
        try {
            released.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    private void reply(HttpExchange x, byte[] ok) throws IOException {
        byte[] body = status == 200 ? ok : new byte[0];
        x.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) x.getResponseBody().write(body);
        x.close();
    }

    private static Map<String, String> headers(HttpExchange x) {
        Map<String, String> out = new LinkedHashMap<>();
        x.getRequestHeaders().forEach((k, v) -> out.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
        return out;
    }

    public List<Received> logs() {
        return List.copyOf(logs);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Waits until at least {@code n} log records arrived (bounded), and returns all of them. */
    public List<Received> awaitLogs(int n, Duration timeout) {
        await(timeout, () -> logs.size() >= n, () -> "expected " + n + " log records, got " + logs.size());
        return logs();
    }

    /**
     * The last value of each data point of a cumulative counter, by its attributes; empty before the first export.
     */
    public Map<Map<String, Object>, Long> counter(String name) {
        Map<Map<String, Object>, Long> out = new LinkedHashMap<>();
        for (ExportMetricsServiceRequest req : metrics) {
            for (ResourceMetrics rm : req.getResourceMetricsList()) {
                for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                    for (Metric m : sm.getMetricsList()) {
                        if (!m.getName().equals(name)) continue;
                        for (NumberDataPoint p : m.getSum().getDataPointsList()) out.put(attributes(p.getAttributesList()), p.getAsInt());
                    }
                }
            }
        }
        return out;
    }

    /** The resource attributes of the metrics received. */
    public List<Map<String, Object>> metricResources() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ExportMetricsServiceRequest req : metrics) {
            for (ResourceMetrics rm : req.getResourceMetricsList()) out.add(attributes(rm.getResource().getAttributesList()));
        }
        return out;
    }

    /** Attributes as plain values: String, Long, Boolean, Double, or a List of them. */
    public static Map<String, Object> attributes(List<KeyValue> kvs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (KeyValue kv : kvs) out.put(kv.getKey(), value(kv.getValue()));
        return out;
    }

    private static Object value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> v.getIntValue();
            case BOOL_VALUE -> v.getBoolValue();
            case DOUBLE_VALUE -> v.getDoubleValue();
            case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(OtlpReceiver::value).toList();
            default -> v.toString();
        };
    }

    private static void await(Duration timeout, Supplier<Boolean> done, Supplier<String> why) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!done.get()) {
            if (System.nanoTime() > end) throw new AssertionError(why.get());
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
