package dev.cordon.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * When a process started (field 22 of /proc/PID/stat, clock ticks since boot). A pid alone is
 * not an identity: pids are reused, so "is the cordon that made this session still running" asks
 * for the same pid with the same start time.
 */
public final class ProcessStart {
    private ProcessStart() {}

    /** Reads a process's start time; a function so tests can stand in for /proc. */
    @FunctionalInterface
    public interface Reader {
        /** @return the start time, or empty if no such process is running (gone, or a zombie) */
        OptionalLong startTime(long pid);
    }

    /** This host's /proc. */
    public static final Reader PROC = ProcessStart::of;

    public static OptionalLong of(long pid) {
        if (pid <= 0) return OptionalLong.empty();
        try {
            return parseStat(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The start time in a /proc/PID/stat line, empty for a zombie or a line that does not parse.
     * comm (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
     */
    static OptionalLong parseStat(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) return OptionalLong.empty();
        String[] f = stat.substring(close + 1).strip().split(" ");
        // f[0] is field 3 (state), so field 22 is f[19].
        if (f.length < 20 || f[0].equals("Z") || f[0].equals("X")) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseLong(f[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
