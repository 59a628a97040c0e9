package dev.cordon.sys;

/**
 * Phase times of one cordon run on stderr, for finding where start-up goes: set
 * {@code CORDON_TRACE_STARTUP=1} (times since the JVM process started, 10 ms resolution) or
 * {@code CORDON_TRACE_STARTUP=$(date +%s%N)} (times since then, so the launcher script counts too).
 * Off by default, and then costs one static boolean check.
 */
public final class StartupTrace {
    private StartupTrace() {}

    private static final String SETTING = System.getenv("CORDON_TRACE_STARTUP");
    private static final boolean ON = SETTING != null && !SETTING.isEmpty();
    private static final long START_MS = ON ? startMs(SETTING) : 0;

    public static boolean on() {
        return ON;
    }

    /** Prints "cordon: trace: +T ms NAME" when tracing is on. */
    public static void mark(String phase) {
        if (!ON) return;
        long t = System.currentTimeMillis() - START_MS;
        System.err.println("cordon: trace: +" + t + " ms " + phase);
        System.err.flush();
    }

    private static long startMs(String setting) {
        try {
            long ns = Long.parseLong(setting.strip());
            if (ns > 1_000_000_000_000_000L) return ns / 1_000_000;
        } catch (NumberFormatException ignored) {
            // not a timestamp: count from the process start
        }
        return ProcessHandle.current().info().startInstant().map(java.time.Instant::toEpochMilli)
                .orElse(System.currentTimeMillis());
    }
}
