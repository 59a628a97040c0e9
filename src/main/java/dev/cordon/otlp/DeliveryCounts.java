package dev.cordon.otlp;

import dev.cordon.events.Escape;
import io.opentelemetry.exporter.internal.FailedExportException;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * What became of the log records: made, in flight, delivered, dropped. The bound is kept here, before the SDK's own
 * queue (which is as large, so it never drops on its own): a record past it is dropped at once and counted, and the
 * caller (the DNS proxy, the event pump) never waits.
 */
final class DeliveryCounts {
    private final int capacity;
    private final Consumer<String> firstDrop;
    private final AtomicBoolean told = new AtomicBoolean();
    private final AtomicLong made = new AtomicLong(), inFlight = new AtomicLong(), delivered = new AtomicLong(),
            dropped = new AtomicLong();
    private final AtomicReference<String> exportProblem = new AtomicReference<>();
    private volatile boolean queueFull;

    /** @param firstDrop told once, with why, when the first record is dropped while records still come */
    DeliveryCounts(int capacity, Consumer<String> firstDrop) {
        this.capacity = capacity;
        this.firstDrop = firstDrop;
    }

    /** One more record; false when the queue is full (then it is counted as dropped). */
    boolean admit() {
        made.incrementAndGet();
        if (inFlight.incrementAndGet() <= capacity) return true;
        inFlight.decrementAndGet();
        dropped.incrementAndGet();
        queueFull = true;
        tell(queueFull());
        return false;
    }

    /** An export of {@code n} records ended; {@code failure} is the exporter's, or null. */
    void settled(int n, boolean ok, Throwable failure) {
        inFlight.addAndGet(-n);
        if (ok) {
            delivered.addAndGet(n);
        } else {
            dropped.addAndGet(n);
            String why = describe(failure);
            exportProblem.compareAndSet(null, why);
            tell(why);
        }
    }

    /** Dropped so far: at the full queue, or refused by the collector (not those still in flight). */
    long dropped() {
        return dropped.get();
    }

    /** The end: everything not delivered counts, also what was still in flight when the flush time ran out. */
    OtlpExport.Delivery delivery(boolean metricsDelivered) {
        long all = made.get(), undelivered = all - delivered.get();
        String problem = exportProblem.get();
        if (problem == null && queueFull) problem = queueFull();
        if (problem == null && undelivered > 0) {
            problem = "the collector did not confirm them within the " + OtlpSettings.FLUSH_SECONDS + " s flush time";
        }
        return new OtlpExport.Delivery(all, undelivered, problem, metricsDelivered);
    }

    private String queueFull() {
        return "the queue of " + capacity + " records was full";
    }

    private void tell(String why) {
        if (!told.getAndSet(true)) firstDrop.accept(why);
    }

    /** {@code HTTP 401 Unauthorized}, {@code cannot connect}, {@code timed out}: short, and safe to print. */
    static String describe(Throwable failure) {
        if (failure instanceof FailedExportException.HttpExportException h && h.getResponse() != null) {
            String message = h.getResponse().getStatusMessage();
            return Escape.visible("HTTP " + h.getResponse().getStatusCode() + (message == null || message.isBlank() ? "" : " " + message));
        }
        Throwable c = failure;
        while (c != null && c.getCause() != null && c.getCause() != c) c = c.getCause();
        return switch (c) {
            case null -> "the export failed";
            case ConnectException e -> "cannot connect";
            case HttpTimeoutException e -> "timed out";
            default -> Escape.visible(c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage()));
        };
    }
}
