package dev.cordon.it;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waiting on a condition: polls with a short, growing pause; never an open-ended sleep. */
final class Await {
    private Await() {}

    /** Waits until {@code condition} holds; false if {@code timeout} passed first. */
    static boolean until(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseNanos = 200_000;
        while (true) {
            if (condition.getAsBoolean()) return true;
            if (System.nanoTime() - deadline > 0) return false;
            LockSupport.parkNanos(pauseNanos);
            pauseNanos = Math.min(pauseNanos * 2, 20_000_000);
        }
    }

    /** Like {@link #until} but fails the test, with {@code what} and the details, on timeout. */
    static void require(Duration timeout, String what, BooleanSupplier condition, Supplier<String> details) {
        if (!until(timeout, condition)) {
            throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
                    + (details == null ? "" : "\n" + details.get()));
        }
    }
}
