package dev.cordon.events;

import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Says on cordon's stderr, once per file, when an exec failed because of the capabilities cordon
 * dropped from the command, and which --keep-cap would let it start:
 * {@code cordon: /usr/bin/ping cannot start: its file capabilities need cap_net_raw, which cordon
 * drops from the command; keep it with --keep-cap net_raw}. When cordon could not find the file it
 * says that instead; an exec refused for another reason is not cordon's to explain.
 */
public final class ExecDenialNotice implements EventSink {
    /** Files already named; past this many, every further one is named again rather than remembered. */
    private static final int MAX_REMEMBERED = 256;

    private final PrintWriter err;
    private final Set<String> said = new LinkedHashSet<>();

    public ExecDenialNotice(PrintWriter err) {
        this.err = err;
    }

    /** Network attempts are {@link ViolationLog}'s to print. */
    @Override
    public void attempt(NetAttempt attempt) {}

    @Override
    public synchronized void execDenied(ExecDenial d) {
        String line = line(d);
        if (line == null) return;
        if (said.size() < MAX_REMEMBERED && !said.add(line)) return;
        err.println(line);
        err.flush();
    }

    /** The line for {@code d}, or null when there is nothing cordon should say. */
    static String line(ExecDenial d) {
        if (d.explained()) {
            List<String> caps = d.droppedByCordon();
            boolean one = caps.size() == 1;
            return "cordon: " + Escape.visible(d.file()) + " cannot start: its file capabilities need " + and(caps)
                    + ", which cordon drops from the command; keep " + (one ? "it" : "them") + " with "
                    + caps.stream().map(c -> "--keep-cap " + c.replaceFirst("^cap_", "")).collect(Collectors.joining(" "));
        }
        if (d.unresolved() == null) return null;
        return "cordon: pid " + d.event().process().pid() + " could not exec " + asked(d.event())
                + " (Operation not permitted); cordon cannot tell whether the capabilities it drops are why: " + d.unresolved();
    }

    private static String asked(ExecDeniedEvent e) {
        if (e.execsTheFd()) return "its fd " + e.dirfd();
        String path = Escape.visible(e.path()) + (e.pathTruncated() ? "..." : "");
        boolean relative = !e.path().startsWith("/");
        return relative && e.dirfd() != ExecDeniedEvent.AT_FDCWD ? path + " (relative to its fd " + e.dirfd() + ")" : path;
    }

    private static String and(List<String> names) {
        if (names.size() == 1) return names.getFirst();
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.getLast();
    }
}
