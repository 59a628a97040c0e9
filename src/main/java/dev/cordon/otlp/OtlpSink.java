package dev.cordon.otlp;

import dev.cordon.events.DnsEvent;
import dev.cordon.events.Fields;
import dev.cordon.events.Formats;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.Verdict;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporterBuilder;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;

/**
 * The OpenTelemetry SDK behind {@link OtlpExport}: a batching log processor and a periodic metric reader, each
 * with an OTLP/HTTP exporter on the JDK's HttpClient. Called from the event pump and the DNS proxy's threads; a
 * call builds the record and queues it, never waiting on the network ({@link DeliveryCounts} bounds the queue).
 */
final class OtlpSink implements OtlpExport {
    /** Records waiting for the collector at most; past it they are dropped and counted. */
    static final int QUEUE = 2048;
    /** Records per request, and how long a record waits for a fuller batch. */
    static final int BATCH = 512;
    static final Duration BATCH_DELAY = Duration.ofSeconds(1);
    /** How often the counters are sent (and once more at the end). */
    static final Duration METRICS_EVERY = Duration.ofSeconds(60);
    static final String SCOPE = "dev.cordon";

    private static final AttributeKey<String> TYPE = AttributeKey.stringKey(Fields.TYPE), VERDICT = AttributeKey.stringKey(Fields.VERDICT),
            RULE = AttributeKey.stringKey(Fields.RULE), TASK = AttributeKey.stringKey(Fields.TASK);

    /** The SDK reports failures through java.util.logging, to stderr by default: cordon says what matters itself (first drop, end). */
    private static final java.util.logging.Logger SDK_LOG = java.util.logging.Logger.getLogger("io.opentelemetry");

    private final OtlpSettings settings;
    private final SdkLoggerProvider logs;
    private final SdkMeterProvider metrics;
    private final DeliveryCounts counts;
    private final Logger logger;
    private final LongCounter attempts;
    private Delivery finished;

    private OtlpSink(OtlpSettings settings, SdkLoggerProvider logs, SdkMeterProvider metrics, DeliveryCounts counts, String version) {
        this.settings = settings;
        this.logs = logs;
        this.metrics = metrics;
        this.counts = counts;
        this.logger = logs.loggerBuilder(SCOPE).setInstrumentationVersion(version).build();
        Meter meter = metrics.meterBuilder(SCOPE).setInstrumentationVersion(version).build();
        this.attempts = meter.counterBuilder("cordon.attempts").setUnit("{attempt}")
                .setDescription("Attempts and DNS queries cordon decided, by type, verdict, rule and task").build();
        meter.counterBuilder("cordon.otlp.log_records.dropped").setUnit("{record}")
                .setDescription("Log records cordon dropped: its queue was full or the collector refused them")
                .buildWithCallback(m -> m.record(counts.dropped()));
    }

    static OtlpSink start(OtlpSettings s, Origin origin, Consumer<String> notices) {
        SDK_LOG.setLevel(Level.OFF);
        Resource resource = resource(s, origin);
        DeliveryCounts counts = new DeliveryCounts(QUEUE, why -> notices.accept("cordon: otlp: log records for " + s.shown()
                + " are being dropped (" + why + "); the end of the run says how many"));
        OtlpHttpLogRecordExporterBuilder logExporter = OtlpHttpLogRecordExporter.builder().setEndpoint(s.logs().toString())
                .setMeterProvider(MeterProvider::noop);
        OtlpHttpMetricExporterBuilder metricExporter = OtlpHttpMetricExporter.builder().setEndpoint(s.metrics().toString())
                .setMeterProvider(MeterProvider::noop);
        s.headers().forEach((k, v) -> {
            logExporter.addHeader(k, v);
            metricExporter.addHeader(k, v);
        });
        if (s.gzip()) {
            logExporter.setCompression("gzip");
            metricExporter.setCompression("gzip");
        }
        SdkLoggerProvider logs = SdkLoggerProvider.builder().setResource(resource)
                .addLogRecordProcessor(BatchLogRecordProcessor.builder(new CountingLogExporter(logExporter.build(), counts))
                        .setMaxQueueSize(QUEUE).setMaxExportBatchSize(BATCH).setScheduleDelay(BATCH_DELAY)
                        .setMeterProvider(MeterProvider::noop).build())
                .build();
        SdkMeterProvider metrics = SdkMeterProvider.builder().setResource(resource)
                .registerMetricReader(PeriodicMetricReader.builder(metricExporter.build()).setInterval(METRICS_EVERY).build())
                .build();
        return new OtlpSink(s, logs, metrics, counts, origin.cordonVersion());
    }

    /**
     * The SDK's defaults ({@code telemetry.sdk.*}), then OTEL_RESOURCE_ATTRIBUTES, then cordon's own: which session
     * and host sent it. A host name the user gave stays.
     */
    static Resource resource(OtlpSettings s, Origin origin) {
        AttributesBuilder user = Attributes.builder();
        s.resource().forEach(user::put);
        AttributesBuilder own = Attributes.builder()
                .put("service.name", s.serviceName())
                .put("service.version", origin.cordonVersion())
                .put("service.instance.id", origin.session())
                .put("cordon.session", origin.session());
        if (origin.guardedCgroup() != null) own.put("cordon.guard", origin.guardedCgroup());
        if (origin.hostName() != null && !s.resource().containsKey("host.name")) own.put("host.name", origin.hostName());
        return Resource.getDefault().merge(Resource.create(user.build())).merge(Resource.create(own.build()));
    }

    @Override
    public void attempt(NetAttempt a) {
        if (skip(a.event().verdict())) return;
        LogAttributes fields = new LogAttributes();
        Fields.of(a, fields);
        emit(a.time(), a.event().verdict(), fields, Formats.logfmt(a));
    }

    @Override
    public void dns(DnsEvent e) {
        if (skip(e.verdict())) return;
        LogAttributes fields = new LogAttributes();
        Fields.of(e, fields);
        emit(e.time(), e.verdict(), fields, Formats.logfmt(e));
    }

    private boolean skip(Verdict v) {
        return v == Verdict.ALLOWED && !settings.all();
    }

    /** Counted always (counters are never dropped); queued as a log record when there is room. */
    private void emit(Instant time, Verdict verdict, LogAttributes fields, String line) {
        Attributes attributes = fields.build();
        AttributesBuilder key = Attributes.builder().put(TYPE, attributes.get(TYPE)).put(VERDICT, attributes.get(VERDICT))
                .put(RULE, attributes.get(RULE));
        String task = attributes.get(TASK);
        if (task != null) key.put(TASK, task);
        attempts.add(1, key.build());
        if (!counts.admit()) return;
        Severity severity = verdict == Verdict.ALLOWED ? Severity.INFO : Severity.WARN;
        logger.logRecordBuilder().setTimestamp(time).setSeverity(severity).setSeverityText(severity.name())
                .setEventName("cordon." + fields.type()).setBody(line).setAllAttributes(attributes).emit();
    }

    /**
     * The last records and the counters' last values go out together, and the wait ends at the flush time whatever
     * the collector does. The meter provider's own shutdown waits up to 15 s on a hung collector: it runs on a
     * daemon thread, which the exit does not wait for.
     */
    @Override
    public synchronized Delivery finish() {
        if (finished != null) return finished;
        long deadline = System.nanoTime() + OtlpSettings.FLUSH.toNanos();
        CompletableResultCode logsDone = logs.shutdown(), metricsDone = metrics.forceFlush();
        logsDone.join(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        metricsDone.join(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        finished = counts.delivery(metricsDone.isDone() && metricsDone.isSuccess());
        Thread.ofPlatform().daemon().name("cordon-otlp-stop").start(metrics::shutdown);
        return finished;
    }

    @Override
    public String toString() {
        return "OTLP export to " + settings.shown();
    }
}
