package dev.cordon.session;

import dev.cordon.dns.DnsService;
import dev.cordon.dns.LearnedAddresses;
import dev.cordon.dns.ProxyChain;
import dev.cordon.events.Escape;
import dev.cordon.events.EventSink;
import dev.cordon.events.FanOut;
import dev.cordon.events.JsonLinesFile;
import dev.cordon.events.PolicyReload;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.RunEnd;
import dev.cordon.events.RunStart;
import dev.cordon.events.TaskNames;
import dev.cordon.events.ViolationLog;
import dev.cordon.kernel.EgressGuard;
import dev.cordon.libbpf.BpfException;
import dev.cordon.limits.LimitsException;
import dev.cordon.limits.Placement;
import dev.cordon.limits.Placements;
import dev.cordon.limits.SessionLimits;
import dev.cordon.metrics.GuardMetrics;
import dev.cordon.metrics.MetricsAddress;
import dev.cordon.metrics.MetricsServer;
import dev.cordon.otlp.Origin;
import dev.cordon.otlp.OtlpExport;
import dev.cordon.policy.Action;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.Limits;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import dev.cordon.policy.PolicyException;
import dev.cordon.policy.file.PolicyFileException;
import dev.cordon.report.live.RunRecorder;
import dev.cordon.sys.Capabilities;
import dev.cordon.sys.Libc;
import dev.cordon.sys.MountTable;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * {@code cordon guard}: the same {@link Guard} as {@code cordon run}, around a cgroup that already
 * exists, until SIGTERM or SIGINT. Processes already inside keep their open connections; their
 * next connect, datagram and query is judged. SIGHUP puts the policy file in force again with no
 * gap (a file with errors keeps the policy in force). Stopping detaches and leaves the cgroup and
 * its processes as they were; dying leaves the pins (fail closed) unless {@code --on-exit release}.
 */
public final class GuardSession {
    /**
     * @param cgroup  as given: an absolute path below the cgroup2 mount, or one relative to it
     * @param argv    cordon guard's own arguments, for the events' run-start
     * @param reload  reads the policy file again on SIGHUP; null without --policy
     * @param metrics where to serve Prometheus metrics (--metrics-listen, checked), or null for nowhere
     */
    public record Options(String cgroup, boolean create, SessionRecord.OnExit onExit, IpPolicy policy, Mode mode,
                         DnsService.Options dns, boolean allowRawSockets, OutagePlan outage, Limits limits, Path eventsFile,
                         SessionOptions.Reporting report, List<String> argv, Reloader reload, MetricsAddress metrics) {
        public Options {
            Objects.requireNonNull(cgroup, "cgroup");
            Objects.requireNonNull(onExit, "onExit");
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(outage, "outage");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(report, "report");
            argv = List.copyOf(argv);
        }
    }

    /**
     * The policy file read again, ready to put in force.
     *
     * @param names        null when the guard runs without its DNS proxy
     * @param restartOnly  settings that changed in the file but take effect only when the guard restarts
     */
    public record Reloaded(IpPolicy ip, DomainPolicy names, Mode mode, List<String> restartOnly) {}

    /** Reads the policy file again; throws {@link PolicyException} (or {@link PolicyFileException}) when it is wrong. */
    public interface Reloader {
        Reloaded reload(PrintWriter err);
    }

    /** How often the guard looks whether its cgroup still exists. */
    static final Duration CGROUP_CHECK = Duration.ofSeconds(1);

    private final Options options;
    private final PrintWriter err;
    private Mode mode;
    private Action defaultAction;

    public GuardSession(Options options, PrintWriter err) {
        this.options = options;
        this.err = err;
        this.mode = options.mode();
        this.defaultAction = options.policy().defaultAction();
    }

    /** Guards until stopped. @return 0 after a clean stop */
    public int run() {
        if (!Capabilities.current().canRunSessions()) {
            throw new CordonException("cordon guard needs root (CAP_SYS_ADMIN and CAP_BPF); try: sudo cordon guard ...");
        }
        Path root = Cgroup2.requireMount();
        try {
            Libc.setNotDumpable(); // as cordon run: guarded processes of the same uid cannot ptrace the guard
        } catch (Libc.ErrnoException e) {
            throw new CordonException("cannot protect cordon from the processes it guards (" + e.getMessage() + "); not guarding", e);
        }
        SessionRecords records = new SessionRecords(SessionRecords.DEFAULT_DIR);
        GuardNeighbours neighbours = GuardNeighbours.of(records, GuardedCgroup.resolve(root, options.cgroup()), ProcessStart.PROC);

        Deque<AutoCloseable> cleanup = new ArrayDeque<>();
        Throwable failure = null;
        try {
            GuardSignals signals = new GuardSignals(); // first in, last out: a signal from here on leaves the guard alive to clean up
            cleanup.push(signals);
            GuardMetrics metrics = options.metrics() == null ? null : serveMetrics(cleanup); // a port in use fails before anything exists
            GuardedCgroup cgroup = GuardedCgroup.open(root, options.cgroup(), options.create(),
                    GuardedCgroup.ownCgroup(Placements.ownCgroups()));
            cleanup.push(cgroup);
            List<Placement> limitPlan = planLimits(cgroup.path());
            String name = SessionCgroup.newName();
            CrashGuard crash = CrashGuard.armGuard(name, cgroup.path(), options.onExit(), records);
            cleanup.push(crash);
            SessionLimits limits = applyLimits(limitPlan);
            cleanup.push(limits);

            RunReports reports = new RunReports(options.report(), err);
            List<EventSink> sinkList = new ArrayList<>(List.of(new ViolationLog(err)));
            if (options.eventsFile() != null) {
                try {
                    JsonLinesFile file = new JsonLinesFile(options.eventsFile());
                    sinkList.add(file);
                    cleanup.push(file);
                } catch (IOException e) {
                    throw new CordonException("cannot write events to " + options.eventsFile() + ": " + e.getMessage(), e);
                }
            }
            RunRecorder recorder = reports.recorder();
            if (recorder != null) sinkList.add(recorder);
            OtlpExport otlp = reports.startOtlp(new Origin(name, cgroup.path().toString(), Session.cordonVersion(), Origin.kernelHostName()));
            if (otlp != null) {
                sinkList.add(otlp);
                cleanup.push(otlp);
            }
            if (metrics != null) sinkList.add(metrics);
            FanOut sinks = new FanOut(sinkList);

            ProxyChain chain = ProxyChain.forGuard(neighbours.outer() == null ? null : neighbours.outer().guard().chainToken());
            Guard guard = Guard.attach(settings(neighbours, reports, chain), cgroup.fd(), crash.pinDir(), processTable(cgroup.path()), sinks,
                    List.of(sinks), new ExecDenials(Set.of()),
                    (kernel, pins) -> options.report().scriptLines() ? ScriptShells.start(kernel, pins, List.of(), err) : ScriptShells.off(),
                    "not guarding " + cgroup.path());
            cleanup.push(guard);
            guard.firstBytesWarning().ifPresent(w -> err.println("cordon: " + Escape.visible(w)));
            if (metrics != null) {
                metrics.watch(metricSources(guard));
                cleanup.push(metrics::freeze); // before the guard detaches, on every path: no scrape reads a closed map
            }
            if (guard.dns() != null) crash.recordProxy(guard.dns().port(), chain.tokenText());
            for (String line : neighbours.releaseDead(SessionGc.live(), PinDir.ROOT)) err.println("cordon: " + line);

            Instant started = Instant.now();
            sinks.runStarted(runStart(started, cgroup.path()));
            announce(cgroup, guard, neighbours);
            String why = guardUntilStopped(signals, guard, sinks, cgroup.path());

            int inside = cgroup.processCount();
            long dropped = guard.kernel().droppedEvents();
            long violations = guard.violations();
            if (metrics != null) metrics.freeze();
            cleanup.remove(guard);
            guard.close(); // detached: from here the cgroup is as it was before the guard
            err.println("cordon: " + why + "; detached from " + Escape.visible(cgroup.path().toString()) + ", " + inside
                    + " process(es) left running there as they were");
            if (dropped > 0) err.println("cordon: " + dropped + " event(s) dropped because the ring buffer was full");
            Long otlpDropped = reports.finishOtlp(otlp);
            SessionLimits.Outcome limited = limits.outcome();
            for (String line : limits.describe(limited)) err.println("cordon: " + line);
            Instant ended = Instant.now();
            sinks.runEnded(new RunEnd(ended, 0, 0, 0, Duration.between(started, ended).toMillis(), violations, dropped,
                    RunReports.limits(options.limits(), limited), otlpDropped));
            if (recorder != null) reports.write(recorder.model());
            return 0;
        } catch (Throwable t) {
            failure = t;
            throw t;
        } finally {
            Session.closeAll(cleanup, failure);
            err.flush();
        }
    }

    /** Binds --metrics-listen, or says why it cannot: nothing is attached yet. */
    private GuardMetrics serveMetrics(Deque<AutoCloseable> cleanup) {
        try {
            GuardMetrics metrics = new GuardMetrics();
            MetricsServer server = MetricsServer.start(options.metrics(), metrics);
            cleanup.push(server);
            err.println("cordon: serving metrics on " + server.url());
            return metrics;
        } catch (IOException | IllegalStateException e) {
            throw new CordonException(e.getMessage() + "; not guarding", e);
        }
    }

    /** What a scrape reads from the attached guard. */
    private GuardMetrics.Sources metricSources(Guard guard) {
        EgressGuard kernel = guard.kernel();
        DnsService dns = guard.dns();
        if (dns == null) return new GuardMetrics.Sources(kernel::droppedEvents, null, null, 0, null);
        LearnedAddresses learned = dns.learned();
        return new GuardMetrics.Sources(kernel::droppedEvents, learned::size, learned::refusedAtCapacity, options.dns().maxLearned(),
                dns.counters());
    }

    /** Attributions that name the task: the cgroup below the guarded one each process ran in. */
    private static ProcessTable processTable(Path cgroup) {
        try {
            return new ProcessTable(ProcessTable.SESSION_CAPACITY, new TaskNames(cgroup));
        } catch (IOException e) {
            throw new CordonException("cannot read the cgroups below " + cgroup + " to name tasks: " + e.getMessage(), e);
        }
    }

    private Guard.Settings settings(GuardNeighbours neighbours, RunReports reports, ProxyChain chain) {
        DnsService.Options dns = options.dns();
        boolean chained = dns != null && neighbours.outer() != null;
        return new Guard.Settings(options.policy(), options.mode(), chained ? dns.withUpstreams(List.of(neighbours.outerProxy())) : dns,
                options.allowRawSockets(), options.outage(),
                options.limits().egressRate() == null ? 0 : options.limits().egressRate().bytesPerSecond(),
                reports.recordsAllowed(options.eventsFile()) || options.metrics() != null, // metrics count allowed attempts too
                chained ? dns.upstreams() : List.of(), chain);
    }

    private void announce(GuardedCgroup cgroup, Guard guard, GuardNeighbours neighbours) {
        err.println("cordon: guarding " + Escape.visible(cgroup.path().toString()) + (cgroup.created() ? " (created)" : "") + ": "
                + cgroup.processCount() + " process(es) inside, " + mode.label() + " mode, default " + defaultAction.label()
                + (guard.dns() == null ? ", no DNS proxy" : ", DNS proxy on 127.0.0.1:" + guard.dns().port())
                + "; SIGTERM or SIGINT stops, SIGHUP " + (options.reload() == null ? "has no policy file to reload" : "reloads "
                + Escape.visible(options.report().policyFile())));
        if (neighbours.outer() != null && guard.dns() != null) {
            err.println("cordon: " + Escape.visible(cgroup.path().toString()) + " lies inside " + neighbours.outer().cgroup()
                    + ", guarded by cordon pid " + neighbours.outer().ownerPid() + ": its queries go through that guard's proxy too "
                    + "(any deny wins)" + (options.dns().upstreams().equals(guard.dns().upstreams()) ? "" : ", not to the upstreams given"));
        }
        err.flush();
    }

    /** Waits for a stop, reloading on SIGHUP. @return why it stops */
    private String guardUntilStopped(GuardSignals signals, Guard guard, FanOut sinks, Path cgroup) {
        while (true) {
            GuardSignals.Request r = signals.next(CGROUP_CHECK);
            if (r == GuardSignals.Request.STOP) return "stopping";
            if (r == GuardSignals.Request.RELOAD) reload(guard, sinks);
            if (r == null && !Files.isDirectory(cgroup)) return Escape.visible(cgroup.toString()) + " was removed; stopping";
        }
    }

    /** Puts the file's policy in force, or keeps the one in force and says why. */
    private void reload(Guard guard, FanOut sinks) {
        String file = options.report().policyFile();
        if (options.reload() == null) {
            err.println("cordon: SIGHUP: this guard has no policy file (no --policy); the policy in force stays");
            err.flush();
            return;
        }
        List<String> problems = new ArrayList<>();
        try {
            Reloaded r = options.reload().reload(err);
            guard.reload(r.ip(), r.names(), r.mode());
            mode = r.mode();
            defaultAction = r.ip().defaultAction();
            err.println("cordon: reloaded " + Escape.visible(file) + ": " + mode.label() + " mode, default " + defaultAction.label()
                    + ", " + r.ip().rules().size() + " address rule(s)" + (r.names() == null ? "" : ", " + r.names().rules().size() + " domain rule(s)"));
            for (String note : r.restartOnly()) err.println("cordon: reload: " + note);
            sinks.policyReloaded(new PolicyReload(Instant.now(), file, true, mode.label(), defaultAction.label(), r.restartOnly()));
            err.flush();
            return;
        } catch (PolicyFileException e) {
            e.problems().forEach(p -> problems.add(p.format(e.source())));
            problems.forEach(p -> err.println(Escape.visible(p)));
            err.println("cordon: reload: " + Escape.visible(e.getMessage()) + "; the policy in force stays");
        } catch (PolicyException | CordonException | BpfException e) {
            problems.add(e.getMessage());
            err.println("cordon: reload: " + Escape.visible(e.getMessage()) + "; the policy in force stays");
        }
        sinks.policyReloaded(new PolicyReload(Instant.now(), file, false, mode.label(), defaultAction.label(), problems));
        err.flush();
    }

    private List<Placement> planLimits(Path cgroup) {
        if (!options.limits().needsControllers()) return List.of();
        try {
            return Placements.planGuard(options.limits(), cgroup, MountTable.read());
        } catch (IOException e) {
            throw new CordonException("cannot read the mount table to place the guard's limits: " + e.getMessage(), e);
        } catch (LimitsException e) {
            throw new CordonException(e.getMessage() + "; not guarding", e);
        }
    }

    private SessionLimits applyLimits(List<Placement> plan) {
        try {
            return SessionLimits.apply(options.limits(), plan);
        } catch (LimitsException e) {
            throw new CordonException(e.getMessage() + "; not guarding", e);
        }
    }

    private RunStart runStart(Instant time, Path cgroup) {
        OutagePlan o = options.outage();
        return new RunStart(time, Session.cordonVersion(), options.argv(), mode.label(), defaultAction.label(),
                defaultAction == Action.DENY ? "allowlist" : "blocklist", options.report().policyFile(),
                o.domains().stream().map(p -> p + ".").toList(), o.active() ? o.style().label() : null,
                o.active() ? o.maxWait().toMillis() : 0, cgroup.toString());
    }
}
