package dev.cordon.otlp;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;

import java.util.Collection;

/** The OTLP exporter, telling {@link DeliveryCounts} how each export ended. */
final class CountingLogExporter implements LogRecordExporter {
    private final LogRecordExporter exporter;
    private final DeliveryCounts counts;

    CountingLogExporter(LogRecordExporter exporter, DeliveryCounts counts) {
        this.exporter = exporter;
        this.counts = counts;
    }

    @Override
    public CompletableResultCode export(Collection<LogRecordData> logs) {
        int n = logs.size();
        CompletableResultCode result;
        try {
            result = exporter.export(logs);
        } catch (RuntimeException e) {
            counts.settled(n, false, e);
            return CompletableResultCode.ofExceptionalFailure(e);
        }
        result.whenComplete(() -> counts.settled(n, result.isSuccess(), result.getFailureThrowable()));
        return result;
    }

    @Override
    public CompletableResultCode flush() {
        return exporter.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return exporter.shutdown();
    }
}
