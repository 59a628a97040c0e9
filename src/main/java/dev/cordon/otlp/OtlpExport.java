package dev.cordon.otlp;

import dev.cordon.events.EventSink;

import java.util.function.Consumer;

/**
 * The OTLP export as a session sees it: a sink that sends blocked, audited and outage attempts and queries (with
 * {@code --otlp-all} allowed ones too) as log records and counts them by verdict, rule and task, and its end.
 * Only {@link #start} reaches the OpenTelemetry SDK: with export off, no class of it is loaded.
 */
public interface OtlpExport extends EventSink {
    /**
     * Starts the export to {@code settings}' collector. Nothing here or later waits on the collector, but {@link #finish}.
     *
     * @param notices a line for cordon's stderr, once, when records start being dropped (a guard runs for days)
     */
    static OtlpExport start(OtlpSettings settings, Origin origin, Consumer<String> notices) {
        return OtlpSink.start(settings, origin, notices);
    }

    /**
     * Sends what is still queued and stops, waiting at most {@link OtlpSettings#FLUSH}. Call it after the last event;
     * later calls return the same.
     */
    Delivery finish();

    @Override
    default void close() {
        finish();
    }

    /**
     * What became of the export.
     *
     * @param records          log records made
     * @param undelivered      of those, the ones the collector did not confirm: dropped at the full queue, refused, or
     *                         not sent within {@link OtlpSettings#FLUSH} at the end
     * @param problem          why (the first failure seen), or null when all were delivered
     * @param metricsDelivered the last export of the counters reached the collector
     */
    record Delivery(long records, long undelivered, String problem, boolean metricsDelivered) {}
}
