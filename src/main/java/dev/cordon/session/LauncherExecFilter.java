package dev.cordon.session;

import dev.cordon.events.DnsEvent;
import dev.cordon.events.EventSink;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.ExitEvent;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.RunEnd;
import dev.cordon.events.RunStart;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps cordon's own exec chain (unshare, setpriv) out of the records: the command's pid execs
 * them before the command, inside the cgroup, so the kernel reports them like any exec. Only an
 * exec whose argv is exactly one step of that chain (followed by the command) is held back; the
 * process table still sees it, and the command's own exec comes last and names the process.
 */
final class LauncherExecFilter implements EventSink {
    private final EventSink next;
    private final List<String> steps; // each step's argv joined by NUL, through the end of the command

    /** @param wrapper the chain as passed to the shim; a step starts at every element after a "--" */
    LauncherExecFilter(EventSink next, List<String> wrapper, List<String> command) {
        this.next = next;
        List<String> full = new ArrayList<>(wrapper);
        full.addAll(command);
        List<String> s = new ArrayList<>();
        if (!wrapper.isEmpty()) {
            s.add(String.join("\0", full));
            for (int i = 0; i < wrapper.size() - 1; i++) {
                if (wrapper.get(i).equals("--")) s.add(String.join("\0", full.subList(i + 1, full.size())));
            }
        }
        this.steps = List.copyOf(s);
    }

    boolean isLauncherStep(ExecEvent e) {
        String argv = String.join("\0", e.argv());
        for (String step : steps) {
            if (e.truncated() ? step.startsWith(argv) && !argv.isEmpty() : step.equals(argv)) return true;
        }
        return false;
    }

    @Override
    public void exec(Instant time, ExecEvent e) {
        if (!isLauncherStep(e)) next.exec(time, e);
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
    public void exit(Instant time, ExitEvent event) {
        next.exit(time, event);
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
