package dev.cordon.otlp;

import dev.cordon.events.DnsEvent;
import dev.cordon.events.Formats;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.RecordSamples;
import dev.cordon.events.Verdict;
import dev.cordon.testing.Json;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The export against a loopback OTLP/HTTP receiver that decodes every request with opentelemetry-proto: what is
 * sent (the events file's fields as attributes, the resource, the counters), and what happens when the collector
 * is down, refuses, or hangs (records dropped and counted, no caller waits, the end waits at most the flush time).
 */
class OtlpSinkTest {
    private static final Origin RUN = new Origin("cordon-4242-1a2b3c", null, "0.9.1", "build-7");
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** What the end may take beyond the flush time on a busy 2-CPU machine. */
    private static final Duration SLACK = Duration.ofMillis(1500);

    private final OtlpReceiver receiver = OtlpReceiver.start();
    private final List<String> notices = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        receiver.close();
    }

    private static OtlpSettings settings(String url, boolean all, Map<String, String> env) {
        Map<String, String> e = new HashMap<>(env);
        e.put(OtlpSettings.ENDPOINT, url);
        return OtlpSettings.from(null, all, e);
    }

    private static void feed(OtlpExport sink) {
        RecordSamples.attempts().forEach(sink::attempt);
        RecordSamples.queries().forEach(sink::dns);
    }

    /**
     * The events file's record as the attributes should be: no time, no nulls, numbers as Long (cgroup ids past Long as
     * text), script lines as the stderr line writes each ({@code ./deploy.sh:12}, {@code ./ci.sh (EXIT trap)}).
     */
    private static Map<String, Object> expected(String json) {
        Map<String, Object> out = new LinkedHashMap<>();
        Json.parseObject(json).forEach((k, v) -> {
            if (k.equals("time") || v == null) return;
            if (v instanceof BigInteger b) out.put(k, b.bitLength() < 64 ? (Object) b.longValue() : b.toString());
            else if (k.equals("line")) out.put(k, ((List<?>) v).stream().map(l -> lineLabel((Map<?, ?>) l)).toList());
            else out.put(k, v);
        });
        return out;
    }

    private static String lineLabel(Map<?, ?> l) {
        return l.get("file") + (l.get("line") == null ? "" : ":" + l.get("line"))
                + (l.get("trap") == null ? "" : " (" + l.get("trap") + " trap)");
    }

    @Test
    void violationsGoAsLogRecordsWhoseAttributesAreTheEventsFileFields() {
        OtlpExport sink = OtlpExport.start(settings(receiver.url(), false, Map.of()), RUN, notices::add);
        feed(sink);
        OtlpExport.Delivery d = sink.finish();

        List<NetAttempt> attempts = RecordSamples.attempts().stream().filter(a -> a.event().verdict() != Verdict.ALLOWED).toList();
        List<DnsEvent> queries = RecordSamples.queries().stream().filter(q -> q.verdict() != Verdict.ALLOWED).toList();
        int violations = attempts.size() + queries.size();
        assertThat(d).isEqualTo(new OtlpExport.Delivery(violations, 0, null, true));
        List<OtlpReceiver.Received> got = receiver.awaitLogs(violations, WAIT);
        assertThat(got).hasSize(violations);
        Map<String, OtlpReceiver.Received> byBody = new HashMap<>();
        got.forEach(r -> byBody.put(r.record().getBody().getStringValue(), r));
        for (NetAttempt a : attempts) assertRecord(byBody.get(Formats.logfmt(a)), Formats.json(a), a.time());
        for (DnsEvent q : queries) assertRecord(byBody.get(Formats.logfmt(q)), Formats.json(q), q.time());
    }

    private static void assertRecord(OtlpReceiver.Received r, String json, Instant time) {
        assertThat(r).as("a record whose body is the stderr line of %s", json).isNotNull();
        assertThat(r.attributes()).as("the attributes of %s", json).isEqualTo(expected(json));
        assertThat(r.record().getTimeUnixNano()).isEqualTo(time.getEpochSecond() * 1_000_000_000L + time.getNano());
        assertThat(r.record().getSeverityNumber()).isEqualTo(SeverityNumber.SEVERITY_NUMBER_WARN);
        assertThat(r.record().getSeverityText()).isEqualTo("WARN");
        assertThat(r.record().getEventName()).isEqualTo("cordon." + r.attributes().get("type"));
        assertThat(r.scope()).isEqualTo("dev.cordon");
        assertThat(r.resource()).containsEntry("service.name", "cordon").containsEntry("service.version", "0.9.1")
                .containsEntry("service.instance.id", "cordon-4242-1a2b3c").containsEntry("cordon.session", "cordon-4242-1a2b3c")
                .containsEntry("host.name", "build-7").doesNotContainKey("cordon.guard");
    }

    @Test
    void allowedOnesGoOnlyWithOtlpAll() {
        OtlpExport quiet = OtlpExport.start(settings(receiver.url(), false, Map.of()), RUN, notices::add);
        feed(quiet);
        quiet.finish();
        assertThat(receiver.logs()).extracting(r -> r.attributes().get("verdict")).doesNotContain("allowed");

        OtlpReceiver all = OtlpReceiver.start();
        try {
            OtlpExport loud = OtlpExport.start(settings(all.url(), true, Map.of()), RUN, notices::add);
            feed(loud);
            assertThat(loud.finish().undelivered()).isZero();
            List<OtlpReceiver.Received> got = all.awaitLogs(10, WAIT);
            assertThat(got).filteredOn(r -> "allowed".equals(r.attributes().get("verdict"))).hasSize(2)
                    .allSatisfy(r -> assertThat(r.record().getSeverityNumber()).isEqualTo(SeverityNumber.SEVERITY_NUMBER_INFO));
        } finally {
            all.close();
        }
    }

    @Test
    void countersByTypeVerdictRuleAndTaskReachTheCollectorAtTheEnd() {
        OtlpExport sink = OtlpExport.start(settings(receiver.url(), false, Map.of()), new Origin("cordon-9-ff", "/sys/fs/cgroup/deploy",
                "0.9.1", "build-7"), notices::add);
        feed(sink);
        feed(sink);
        assertThat(sink.finish().metricsDelivered()).isTrue();

        Map<Map<String, Object>, Long> counts = receiver.counter("cordon.attempts");
        assertThat(counts).containsEntry(Map.of("type", "connect", "verdict", "blocked", "rule", "github.com"), 2L)
                .containsEntry(Map.of("type", "sendmsg", "verdict", "audited", "rule", "default:deny", "task", "deploy@42.service"), 2L)
                .containsEntry(Map.of("type", "dns", "verdict", "outage", "rule", "down.example"), 2L)
                .containsEntry(Map.of("type", "connect", "verdict", "outage", "rule", "example.org", "task", "job-7"), 2L)
                .hasSize(8);
        assertThat(receiver.counter("cordon.otlp.log_records.dropped")).containsValue(0L);
        assertThat(receiver.metricResources()).allSatisfy(res -> assertThat(res).containsEntry("cordon.guard", "/sys/fs/cgroup/deploy")
                .containsEntry("cordon.session", "cordon-9-ff"));
    }

    @Test
    void theStandardVariablesSetHeadersResourceServiceNameAndCompression() {
        OtlpExport sink = OtlpExport.start(settings(receiver.url() + "/", false, Map.of(
                OtlpSettings.HEADERS, "x-api-key=s3cr%3Dt,X-Tenant = fleet-a",
                OtlpSettings.RESOURCE, "deployment.environment=prod,host.name=inventory-42,service.name=ignored",
                OtlpSettings.SERVICE_NAME, "cordon-ci",
                OtlpSettings.COMPRESSION, "gzip")), RUN, notices::add);
        feed(sink);
        assertThat(sink.finish().undelivered()).isZero();

        assertThat(receiver.requests()).isNotEmpty().allSatisfy(req -> {
            assertThat(req.path()).isIn("/v1/logs", "/v1/metrics");
            assertThat(req.headers()).containsEntry("x-api-key", "s3cr=t").containsEntry("x-tenant", "fleet-a")
                    .containsEntry("content-encoding", "gzip").containsEntry("content-type", "application/x-protobuf");
        });
        assertThat(receiver.logs()).isNotEmpty().allSatisfy(r -> assertThat(r.resource())
                .containsEntry("deployment.environment", "prod").containsEntry("host.name", "inventory-42")
                .containsEntry("service.name", "cordon-ci").containsEntry("cordon.session", "cordon-4242-1a2b3c"));
    }

    @Test
    void aCollectorThatIsDownCostsAtMostTheFlushTimeAndEveryRecordIsCounted() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        OtlpExport sink = OtlpExport.start(settings("http://127.0.0.1:" + port, false, Map.of()), RUN, notices::add);
        long start = System.nanoTime();
        for (int i = 0; i < 100; i++) feed(sink);
        Duration feeding = Duration.ofNanos(System.nanoTime() - start);
        long end = System.nanoTime();
        OtlpExport.Delivery d = sink.finish();
        Duration ending = Duration.ofNanos(System.nanoTime() - end);

        assertThat(d.records()).isEqualTo(800);
        assertThat(d.undelivered()).isEqualTo(800);
        assertThat(d.problem()).as("retries are still under way: only the flush time is known")
                .isEqualTo("the collector did not confirm them within the 2 s flush time");
        assertThat(d.metricsDelivered()).isFalse();
        assertThat(feeding).as("no caller waits on the collector").isLessThan(Duration.ofSeconds(2));
        assertThat(ending).isLessThan(OtlpSettings.FLUSH.plus(SLACK));
        assertThat(sink.finish()).as("the end is said once").isSameAs(d);
    }

    @Test
    void aCollectorThatRefusesIsNamedByItsStatus() {
        receiver.answer(401);
        OtlpExport sink = OtlpExport.start(settings(receiver.url(), false, Map.of()), RUN, notices::add);
        feed(sink);
        OtlpExport.Delivery d = sink.finish();
        assertThat(d.undelivered()).isEqualTo(8);
        assertThat(d.problem()).startsWith("HTTP 401");
        assertThat(notices).singleElement().asString().contains("are being dropped (HTTP 401");
    }

    @Test
    void aCollectorThatHangsFillsTheBoundedQueueWithoutEverBlockingACaller() {
        receiver.hold();
        OtlpExport sink = OtlpExport.start(settings(receiver.url(), false, Map.of()), RUN, notices::add);
        int rounds = 3 * OtlpSink.QUEUE / 8;
        long slowest = 0, start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            long t = System.nanoTime();
            feed(sink);
            slowest = Math.max(slowest, System.nanoTime() - t);
        }
        long end = System.nanoTime();
        OtlpExport.Delivery d = sink.finish();
        Duration ending = Duration.ofNanos(System.nanoTime() - end);

        // A call that waited on the collector would wait for the exporter's 10 s request timeout at least: the
        // bounds are far below it, and far above a GC pause or the first call's class loading.
        assertThat(Duration.ofNanos(slowest)).as("the slowest call, while the collector hangs").isLessThan(Duration.ofSeconds(1));
        assertThat(Duration.ofNanos(end - start)).as("all %d calls", rounds * 8).isLessThan(Duration.ofSeconds(4));
        assertThat(d.records()).isEqualTo(rounds * 8L);
        assertThat(d.undelivered()).isEqualTo(rounds * 8L);
        assertThat(d.problem()).isEqualTo("the queue of 2048 records was full");
        assertThat(ending).isLessThan(OtlpSettings.FLUSH.plus(SLACK));
        assertThat(notices).as("said once, while it happens").containsExactly("cordon: otlp: log records for " + receiver.url()
                + " are being dropped (the queue of 2048 records was full); the end of the run says how many");
    }
}
