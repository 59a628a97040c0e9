package dev.cordon.session;

import dev.cordon.events.DnsEvent;
import dev.cordon.events.EventSink;
import dev.cordon.events.ExecDenial;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.ExitEvent;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.RunEnd;
import dev.cordon.events.RunStart;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps cordon's own exec chain (unshare, the mount step, setpriv) out of the records: the
 * command's pid execs them before the command, inside the cgroup, so the kernel reports them like
 * any exec. Only an exec whose argv is exactly one step of that chain (followed by the command), or
 * one of the chain's helpers (umount, mount), is held back, and the helper's exit with it; the
 * process table still sees them, and the command's own exec comes last and names the process.
 * When that last exec fails (a binary the dropped capabilities keep from starting), the denial is
 * the command's, not setpriv's: it is named by the command line, and by no executable (setpriv's
 * would mislead; the record's path and file say what could not start).
 */
final class LauncherExecFilter implements EventSink {
    private final EventSink next;
    private final List<String> steps; // each step's argv joined by NUL, through the end of the command
    private final List<String> helpers;
    private final List<String> command;
    private final java.util.Set<Integer> helperPids = java.util.concurrent.ConcurrentHashMap.newKeySet();

    LauncherExecFilter(EventSink next, Containment.Chain chain, List<String> command) {
        this.next = next;
        List<String> full = new ArrayList<>(chain.argv());
        full.addAll(command);
        List<String> s = new ArrayList<>();
        for (int start : chain.stepStarts()) s.add(String.join("\0", full.subList(start, full.size())));
        this.steps = List.copyOf(s);
        this.helpers = chain.helpers().stream().map(h -> String.join("\0", h)).toList();
        this.command = List.copyOf(command);
    }

    /** @param truncated the kernel kept only the start of argv: a prefix of {@code expected} matches */
    private static boolean matches(String expected, List<String> argv, boolean truncated) {
        String joined = String.join("\0", argv);
        return truncated ? !joined.isEmpty() && expected.startsWith(joined) : expected.equals(joined);
    }

    boolean isLauncherStep(ExecEvent e) {
        return isLauncherStep(e.argv(), e.truncated());
    }

    private boolean isLauncherStep(List<String> argv, boolean truncated) {
        for (String step : steps) if (matches(step, argv, truncated)) return true;
        return false;
    }

    @Override
    public void exec(Instant time, ExecEvent e, ProcessTable.Attribution who) {
        for (String h : helpers) {
            if (matches(h, e.argv(), e.truncated())) {
                helperPids.add(e.process().pid());
                return;
            }
        }
        if (!isLauncherStep(e)) next.exec(time, e, who);
    }

    @Override
    public void attempt(NetAttempt attempt) {
        next.attempt(attempt);
    }

    @Override
    public void dns(DnsEvent event) {
        next.dns(event);
    }

    @Override
    public void execDenied(ExecDenial d) {
        ProcessTable.Attribution who = d.who();
        // an attribution does not say whether its argv was cut off: a prefix of a step counts
        if (who.source() == ProcessTable.Source.EXEC && isLauncherStep(who.argv(), true)) {
            who = who.withArgv(command).withExe(null);
            d = new ExecDenial(d.time(), d.event(), who, d.file(), d.fileCapabilities(), d.droppedByCordon(), d.unresolved());
        }
        next.execDenied(d);
    }

    @Override
    public void exit(Instant time, ExitEvent event, String task) {
        if (helperPids.remove(event.process().pid())) return;
        next.exit(time, event, task);
    }

    @Override
    public void runStarted(RunStart start) {
        next.runStarted(start);
    }

    @Override
    public void runEnded(RunEnd end) {
        next.runEnded(end);
    }
}
