package dev.cordon.session;

import dev.cordon.dns.DnsService;
import dev.cordon.events.Escape;
import dev.cordon.events.EventSink;
import dev.cordon.events.ExecDenialNotice;
import dev.cordon.events.FanOut;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.JsonLinesFile;
import dev.cordon.events.ViolationLog;
import dev.cordon.events.RunEnd;
import dev.cordon.report.live.RunRecorder;
import dev.cordon.events.RunStart;
import dev.cordon.policy.Action;
import dev.cordon.policy.OutagePlan;
import dev.cordon.limits.LimitsException;
import dev.cordon.limits.Placement;
import dev.cordon.limits.Placements;
import dev.cordon.limits.SessionLimits;
import dev.cordon.otlp.Origin;
import dev.cordon.otlp.OtlpExport;
import dev.cordon.sys.Capabilities;
import dev.cordon.sys.MountTable;
import dev.cordon.sys.Capability;
import dev.cordon.sys.LocalResolvers;
import dev.cordon.sys.Libc;
import dev.cordon.sys.StartupTrace;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One guarded run: cgroup, programs, event pump, command, cleanup. Resources are released in
 * reverse order of acquisition on every path, so the host looks the same afterwards.
 *
 * <p>Order matters for safety: programs are attached before the command starts (never an
 * unguarded moment), and detached only after every process of the cgroup is dead.
 */
public final class Session {
    public static final int EXIT_CORDON_FAILED = 125;

    private final SessionOptions options;
    private final PrintWriter err;

    public Session(SessionOptions options, PrintWriter err) {
        this.options = options;
        this.err = err;
    }

    /** Runs the command under guard. @return the command's exit status (128+N if killed by signal N) */
    public int run() {
        var unrunnable = CommandLauncher.check(options.command().getFirst(), System.getenv("PATH"));
        if (unrunnable.isPresent()) {
            err.println("cordon: " + unrunnable.get().message());
            return unrunnable.get().exitCode();
        }
        if (!Capabilities.current().canRunSessions()) {
            throw new CordonException("cordon run needs root (CAP_SYS_ADMIN and CAP_BPF); try: sudo cordon run ...");
        }
        StartupTrace.mark("session checks");
        Path root = Cgroup2.requireMount();
        try {
            // Same uid is enough to ptrace a dumpable process, read its memory or take its link fds
            // (pidfd_getfd); non-dumpable, all of that needs CAP_SYS_PTRACE, which the command lacks.
            Libc.setNotDumpable();
        } catch (Libc.ErrnoException e) {
            throw new CordonException("cannot protect cordon from the command (" + e.getMessage() + "); not running it", e);
        }
        String name = SessionCgroup.newName();
        List<Placement> limitPlan = planLimits(root, name); // a limit the host cannot enforce is refused before anything exists
        // Containment is part of the guard: no unshare/setpriv, no run (never unconfined). With the proxy
        // on, lookups glibc would hand to a local daemon (nscd, systemd-resolved) fall back to port 53.
        Set<Capability> droppedCaps = EnumSet.copyOf(options.containment().dropped(options.mode(), options.allowRawSockets()));
        droppedCaps.removeIf(c -> c.number > Capabilities.lastCap()); // not on this kernel: nothing to drop, and setpriv refuses the name
        Containment.Chain chain = options.containment().chain(ContainmentTools.find(), droppedCaps, root, v1Views(limitPlan),
                options.dns() == null ? List.of() : LocalResolvers.present());
        if (options.stdio().equals(CommandLauncher.Stdio.INHERIT)) StdioSockets.warn(err);
        StartupTrace.mark("chain");

        Deque<AutoCloseable> cleanup = new ArrayDeque<>();
        SessionCgroup cgroup = null;
        Throwable failure = null;
        try {
            // First in, last out: from here until cleanup is done a signal cannot end cordon.
            AtomicReference<SessionCgroup> created = new AtomicReference<>();
            SignalForwarder signals = new SignalForwarder(() -> {
                SessionCgroup c = created.get();
                if (c != null) c.killAll();
            }, err);
            cleanup.push(signals);
            // Pins, watchdog and record before the cgroup: a crash from here on leaves nothing unguarded or unfound.
            List<Path> limitDirs = limitPlan.stream().filter(Placement::created).map(Placement::dir).toList();
            CrashGuard crash = CrashGuard.arm(root, name, new SessionRecords(SessionRecords.DEFAULT_DIR), limitDirs);
            cleanup.push(crash);
            StartupTrace.mark("crash guard");
            cgroup = SessionCgroup.create(root, name);
            created.set(cgroup);
            StartupTrace.mark("cgroup");
            cleanup.push(cgroup);
            SessionLimits limits = applyLimits(limitPlan);
            cleanup.push(limits);

            ProcessTable processes = new ProcessTable(ProcessTable.SESSION_CAPACITY);
            List<EventSink> sinkList = new ArrayList<>();
            sinkList.add(new ViolationLog(err));
            sinkList.add(new ExecDenialNotice(err));
            if (options.eventsFile() != null) {
                try {
                    JsonLinesFile file = new JsonLinesFile(options.eventsFile());
                    sinkList.add(file);
                    cleanup.push(file);
                } catch (IOException e) {
                    throw new CordonException("cannot write events to " + options.eventsFile() + ": " + e.getMessage(), e);
                }
            }
            RunReports reports = new RunReports(options.report(), err);
            RunRecorder recorder = reports.recorder();
            if (recorder != null) sinkList.add(recorder);
            OtlpExport otlp = reports.startOtlp(new Origin(name, null, cordonVersion(), Origin.kernelHostName()));
            if (otlp != null) {
                sinkList.add(otlp);
                cleanup.push(otlp);
            }
            FanOut sinks = new FanOut(sinkList);

            Guard guard = Guard.attach(new Guard.Settings(options.policy(), options.mode(), options.dns(), options.allowRawSockets(),
                            options.outage(), options.limits().egressRate() == null ? 0 : options.limits().egressRate().bytesPerSecond(),
                            reports.recordsAllowed(options.eventsFile())), cgroup.fd(), crash.pinDir(), processes, sinks,
                    List.of(new LauncherExecFilter(sinks, chain, options.command())), new ExecDenials(droppedCaps),
                    (kernel, pins) -> options.report().scriptLines() ? ScriptShells.start(kernel, pins, options.command(), err)
                            : ScriptShells.off(),
                    "not running the command");
            cleanup.push(guard);
            guard.firstBytesWarning().ifPresent(w -> err.println("cordon: " + Escape.visible(w)));

            if (signals.pendingSignal() != 0) {
                err.println("cordon: signal " + signals.pendingSignal() + " before the command started; not running it");
                return 128 + signals.pendingSignal();
            }
            Instant started = Instant.now();
            sinks.runStarted(runStart(started));
            List<Path> procsFiles = new ArrayList<>(List.of(cgroup.procsFile()));
            procsFiles.addAll(limits.v1ProcsFiles());
            Process child = CommandLauncher.start(chain.argv(), options.command(), procsFiles, options.stdio(),
                    options.containment().environment());
            signals.forwardTo(child.pid());
            StartupTrace.mark("spawned");
            int status = waitUninterruptibly(child);
            StartupTrace.mark("command exited");
            int leftovers = cgroup.pids().size();
            if (leftovers > 0) {
                err.println("cordon: the command exited; killing " + leftovers + " process(es) it left in the session");
            }
            cgroup.killAll();
            cgroup.awaitEmpty(Duration.ofSeconds(10));
            StartupTrace.mark("cgroup empty");
            long dropped = guard.kernel().droppedEvents();
            if (dropped > 0) err.println("cordon: " + dropped + " event(s) dropped because the ring buffer was full");
            guard.drain(); // outage waits settled, every kernel event delivered, before the run's last record
            if (guard.dns() != null) reportDnsTrouble(guard.dns());
            Long otlpDropped = reports.finishOtlp(otlp);
            long violations = guard.violations();
            int exitStatus = options.report().failOnViolation() && violations > 0 ? SessionOptions.EXIT_VIOLATION : status;
            if (exitStatus != status) {
                err.println("cordon: " + violations + " violation(s); exiting " + exitStatus + " (--fail-on-violation; the command's status was " + status + ")");
            }
            SessionLimits.Outcome limited = limits.outcome();
            for (String line : limits.describe(limited)) err.println("cordon: " + line);
            Instant ended = Instant.now();
            sinks.runEnded(new RunEnd(ended, exitStatus, status, (int) child.pid(), Duration.between(started, ended).toMillis(),
                    violations, dropped, RunReports.limits(options.limits(), limited), otlpDropped));
            StartupTrace.mark("pump closed");
            if (recorder != null) reports.write(recorder.model());
            StartupTrace.mark("reported");
            return exitStatus;
        } catch (Throwable t) {
            failure = t;
            throw t;
        } finally {
            // Never detach the programs while anything of the command may still run.
            if (cgroup != null) {
                cgroup.killAll();
                cgroup.awaitEmpty(Duration.ofSeconds(10));
            }
            closeAll(cleanup, failure);
            StartupTrace.mark("cleaned up");
            err.flush();
        }
    }

    private List<Placement> planLimits(Path root, String name) {
        if (!options.limits().needsControllers()) return List.of();
        try {
            return Placements.plan(options.limits(), root.resolve(name), name, MountTable.read(), Placements.ownCgroups());
        } catch (IOException e) {
            throw new CordonException("cannot read the mount table to place the session's limits: " + e.getMessage(), e);
        } catch (LimitsException e) {
            throw new CordonException(e.getMessage() + "; not running the command", e);
        }
    }

    private SessionLimits applyLimits(List<Placement> plan) {
        try {
            return SessionLimits.apply(options.limits(), plan);
        } catch (LimitsException e) {
            throw new CordonException(e.getMessage() + "; not running the command", e);
        }
    }

    /** The v1 hierarchies holding a limit: the command gets its own view of each, as of cgroup2. */
    private static List<Containment.V1View> v1Views(List<Placement> plan) {
        return plan.stream().filter(p -> !p.v2()).map(p -> new Containment.V1View(p.hierarchy().path(), p.hierarchyOptions())).toList();
    }

    private RunStart runStart(Instant time) {
        OutagePlan o = options.outage();
        Action def = options.policy().defaultAction();
        return new RunStart(time, cordonVersion(), options.command(), options.mode().label(), def.label(),
                def == Action.DENY ? "allowlist" : "blocklist", options.report().policyFile(),
                o.domains().stream().map(p -> p + ".").toList(),
                o.active() ? o.style().label() : null, o.active() ? o.maxWait().toMillis() : 0);
    }

    static String cordonVersion() {
        String v = Session.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private void reportDnsTrouble(DnsService dns) {
        var c = dns.counters();
        if (c.upstreamFailures.get() > 0) {
            err.println("cordon: dns: " + c.upstreamFailures.get() + " quer(ies) answered SERVFAIL because no upstream answered");
        }
        if (c.overloaded.get() > 0) {
            err.println("cordon: dns: " + c.overloaded.get() + " quer(ies) refused at the in-flight cap");
        }
        if (dns.learned().refusedAtCapacity() > 0) {
            err.println("cordon: dns: " + dns.learned().refusedAtCapacity() + " address(es) not learned: table full");
        }
    }

    private static int waitUninterruptibly(Process p) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return p.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** Closes in stack order; the first failure is thrown, or added to {@code failure} when there is one. */
    static void closeAll(Deque<AutoCloseable> cleanup, Throwable failure) {
        CordonException cleanupFailure = null;
        while (!cleanup.isEmpty()) {
            try {
                cleanup.pop().close();
            } catch (Exception e) {
                if (cleanupFailure == null) cleanupFailure = new CordonException("cleanup failed: " + e.getMessage(), e);
                else cleanupFailure.addSuppressed(e);
            }
        }
        if (cleanupFailure != null) {
            if (failure != null) failure.addSuppressed(cleanupFailure);
            else throw cleanupFailure;
        }
    }
}
