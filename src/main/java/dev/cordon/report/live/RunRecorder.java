package dev.cordon.report.live;

import dev.cordon.events.DnsEvent;
import dev.cordon.events.EventSink;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.ExitEvent;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.OutageWait;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.RunEnd;
import dev.cordon.events.RunStart;
import dev.cordon.report.analysis.Destinations;
import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.OutageSpec;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.RunModelBuilder;
import dev.cordon.report.model.Verdict;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects a live session's events in memory for the end-of-run summary and {@code --report}.
 * Bounded: past {@code capacity} records it keeps only blocked, audited and outage ones (what
 * the summary is about), up to a quarter more, and counts what it dropped. It also keeps at most
 * {@code maxDestinations} distinct destinations: attempts to further ones (a flood of random
 * names) are counted, and the summary says "N more" (the events file keeps every one).
 *
 * <p>Outage records carry their wait ({@link NetAttempt#outage()}, {@link DnsEvent#outage()}), and
 * the session delivers each once, when its wait has ended.
 */
public final class RunRecorder implements EventSink {
    public static final int DEFAULT_CAPACITY = 200_000, DEFAULT_MAX_DESTINATIONS = Destinations.MAX_KEPT;

    private final int capacity;
    private final int maxDestinations;
    private final boolean notableOnly;
    private final Set<String> destinations = new HashSet<>();
    private long omitted;
    private final RunModelBuilder builder = new RunModelBuilder();
    private long dropped;

    public RunRecorder() {
        this(DEFAULT_CAPACITY);
    }

    public RunRecorder(int capacity) {
        this(capacity, DEFAULT_MAX_DESTINATIONS);
    }

    public RunRecorder(int capacity, int maxDestinations) {
        this(capacity, maxDestinations, false);
    }

    private RunRecorder(int capacity, int maxDestinations, boolean notableOnly) {
        this.capacity = capacity;
        this.maxDestinations = maxDestinations;
        this.notableOnly = notableOnly;
    }

    /**
     * A recorder for the end-of-run summary alone, which is about blocked, audited and outage
     * destinations: allowed attempts are not kept at all, so a busy but clean run (thousands of
     * allowed DNS queries a second) costs no memory here.
     */
    public static RunRecorder forSummary() {
        return new RunRecorder(DEFAULT_CAPACITY, DEFAULT_MAX_DESTINATIONS, true);
    }

    @Override
    public synchronized void exec(Instant time, ExecEvent e, ProcessTable.Attribution who) {
        if (room(false)) {
            builder.exec(time, e.process().pid(), e.ppid(), e.process().comm(), e.argv(), shared(who.task()),
                    e.exe() == null ? null : shared(e.exe().shown()), shared(who.line()));
        }
    }

    @Override
    public synchronized void runStarted(RunStart s) {
        List<OutageSpec> outages = s.outages().stream().map(d -> new OutageSpec(d, s.outageStyle())).toList();
        builder.runStart(s.time(), s.cordonVersion(), s.argv(), s.mode(), s.defaultAction(), s.firewallMethod(),
                s.policyFile(), outages, s.outageWaitMs());
    }

    @Override
    public synchronized void runEnded(RunEnd e) {
        builder.runEnd(e.time(), e.exitStatus(), e.commandStatus(), e.rootPid(), e.durationMs(), e.violations(), e.droppedEvents());
    }

    @Override
    public synchronized void exit(Instant time, ExitEvent e, String task) {
        if (room(false)) {
            builder.exit(time, e.process().pid(), e.ppid(), e.process().comm(), e.signal() == 0 ? e.status() : null,
                    e.signal() == 0 ? null : e.signal(), shared(task));
        }
    }

    @Override
    public synchronized void attempt(NetAttempt a) {
        Verdict v = LiveAttempts.verdict(a.event().verdict());
        if (v == Verdict.OUTAGE) {
            OutageWait w = a.outage();
            if (w != null) add(LiveAttempts.of(a, v, w.style(), w.waitedMs(), w.end()), a.who().ppid(), a.who().argv(),
                    a.event().process().comm());
            return; // delivered once, when its wait has ended: never without one
        }
        add(LiveAttempts.of(a, v, null, -1, null), a.who().ppid(), a.who().argv(), a.event().process().comm());
    }

    @Override
    public synchronized void dns(DnsEvent e) {
        Verdict v = LiveAttempts.verdict(e.verdict());
        if (v == Verdict.OUTAGE) {
            OutageWait w = e.outage();
            if (w != null) add(LiveAttempts.of(e, v, w.style(), w.waitedMs()), e.who().ppid(), e.who().argv(), null);
            return;
        }
        add(LiveAttempts.of(e, v, null, -1), e.who().ppid(), e.who().argv(), null);
    }

    private void add(Attempt fresh, int ppid, List<String> argv, String comm) {
        if (notableOnly && !fresh.verdict().notable()) return;
        Attempt a = shared(fresh);
        String destination = a.destination();
        if (destination != null && !destinations.contains(destination)) {
            if (destinations.size() >= maxDestinations) {
                omitted++;
                return;
            }
            destinations.add(destination);
        }
        if (room(a.verdict().notable())) builder.attempt(a, ppid, shared(List.copyOf(argv)), shared(comm));
    }

    // A query flood repeats the same few command lines, names, rules and reasons in every record:
    // one copy of each keeps 200k records at ~100 bytes apiece instead of ~1 KB (RSS under load).
    private final Map<Object, Object> shared = new HashMap<>();

    @SuppressWarnings("unchecked")
    private <T> T shared(T value) {
        if (value == null) return null;
        if (shared.size() >= SHARED_MAX) return value; // distinct values are bounded by the destination cap; this is a backstop
        return (T) shared.computeIfAbsent(value, v -> v);
    }

    private static final int SHARED_MAX = 100_000;

    private Attempt shared(Attempt a) {
        return new Attempt(a.time(), a.kind(), a.verdict(), a.pid(), shared(a.cmd()), shared(a.exe()), shared(a.task()),
                shared(a.line()),
                shared(a.domains()),
                shared(a.ip()), a.port(),
                shared(a.proto()), shared(a.qtype()), shared(a.rule()), shared(a.reason()), shared(a.addresses()),
                shared(a.outageStyle()), a.waitedMs(), shared(a.waitEnd()));
    }

    private boolean room(boolean notable) {
        int size = builder.size();
        if (size < capacity || (notable && size < capacity + capacity / 4)) return true;
        dropped++;
        return false;
    }

    /** Attempts to destinations past the cap on distinct destinations. */
    public synchronized long omitted() {
        return omitted;
    }

    public synchronized long dropped() {
        return dropped;
    }

    /** The run so far (a snapshot: recording may go on). */
    public synchronized RunModel model() {
        RunModel m = builder.build();
        return new RunModel(m.run(), m.processes(), m.root(), dropped, omitted);
    }
}
