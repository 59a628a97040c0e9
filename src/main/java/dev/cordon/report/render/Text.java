package dev.cordon.report.render;

import dev.cordon.events.Escape;
import dev.cordon.report.model.Executables;

import java.time.Duration;
import java.util.Locale;

/** Plain-text helpers every renderer shares: safe, shortened strings and human durations. */
public final class Text {
    /** What a report calls the attempts of a run with tasks that have none: DNS queries whose sender cordon could not tell. */
    public static final String UNKNOWN_SENDER = "sender unknown";

    private Text() {}

    /** Escaped for a terminal (no control characters) and cut to {@code max} code points with an ellipsis. */
    public static String safe(String s, int max) {
        return truncate(Escape.visible(s == null ? "" : s), max);
    }

    /**
     * A command line for a terminal, with the file that ran where the command line does not name it
     * ({@code innocent -sS http://github.com/ (exe /usr/bin/curl)}), in at most about {@code max} code points.
     */
    public static String command(String cmd, String exe, int max) {
        String shown = Executables.unlessNamed(cmd, exe);
        if (shown == null) return safe(cmd, max);
        String note = " (exe " + safe(shown, max / 2) + ")";
        return safe(cmd, Math.max(max / 3, max - width(note))) + note;
    }

    /** At most {@code max} code points; a cut string ends in "…". */
    public static String truncate(String s, int max) {
        if (s.codePointCount(0, s.length()) <= max) return s;
        return s.substring(0, s.offsetByCodePoints(0, Math.max(0, max - 1))) + "…";
    }

    /** The text with its first letter upper case, for a heading. */
    public static String capitalized(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
    }

    /** "350 ms", "2.5 s", "12 s", "12.5 s", "3 min 4 s", "1 h 2 min". */
    public static String duration(long ms) {
        if (ms < 1000) return ms + " ms";
        if (ms < 59_950) return String.format(Locale.ROOT, "%.1f", ms / 1000.0).replace(".0", "") + " s";
        long s = Math.round(ms / 1000.0);
        if (s < 3600) return (s / 60) + " min" + (s % 60 == 0 ? "" : " " + s % 60 + " s");
        return (s / 3600) + " h" + (s % 3600 / 60 == 0 ? "" : " " + s % 3600 / 60 + " min");
    }

    public static String duration(Duration d) {
        return d == null ? null : duration(d.toMillis());
    }

    /** Display width in code points (the terminal summary aligns on it; wide characters are rare here). */
    public static int width(String s) {
        return s.codePointCount(0, s.length());
    }

    public static String pad(String s, int width) {
        int w = width(s);
        return w >= width ? s : s + " ".repeat(width - w);
    }

    public static String plural(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
