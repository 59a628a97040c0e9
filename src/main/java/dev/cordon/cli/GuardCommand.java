package dev.cordon.cli;

import dev.cordon.dns.DnsService;
import dev.cordon.events.Escape;
import dev.cordon.metrics.MetricsAddress;
import dev.cordon.policy.OutagePlan;
import dev.cordon.policy.PolicyException;
import dev.cordon.session.Cgroup2;
import dev.cordon.session.GuardSession;
import dev.cordon.session.GuardedCgroup;
import dev.cordon.session.SessionGc;
import dev.cordon.session.SessionOptions;
import dev.cordon.session.SessionRecord;
import dev.cordon.sys.Capabilities;
import dev.cordon.sys.Systemd;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

@Command(name = "guard", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Guard a cgroup that already exists, and everything in it and below it, already running or started "
                + "later, with the programs and DNS proxy of cordon run, until SIGTERM or SIGINT. Open connections are "
                + "not cut; every new connection, datagram and DNS query is judged. SIGHUP reloads the policy file with "
                + "no gap; a file with errors keeps the policy in force. Stopping detaches and leaves the cgroup and its "
                + "processes as they were.",
        customSynopsis = {"cordon guard (--cgroup PATH | --unit NAME) [--create] [--on-exit closed|release] [OPTIONS]",
                "cordon guard --release PATH"},
        footer = {"",
                "If the guard dies (SIGKILL, a crash), --on-exit closed (the default) keeps its programs attached with the "
                        + "last policy: denied destinations stay denied and DNS is refused, until cordon guard --release PATH "
                        + "or cordon gc removes them, or a new guard of the same cgroup takes over. --on-exit release removes "
                        + "them at once: the cgroup runs unguarded.",
                "",
                "A cgroup a running cordon already guards is refused. A guard of a cgroup inside a guarded one sends its "
                        + "queries through the outer guard's proxy: both policies apply, any deny wins.",
                "",
                "Exit status: 0 after a clean stop (or a release); 125 if cordon failed or was used wrongly."})
final class GuardCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--cgroup", paramLabel = "PATH",
            description = "The cgroup to guard: a cgroup2 directory, absolute (below the cgroup2 mount) or relative to the mount.")
    String cgroup;

    @Option(names = "--unit", paramLabel = "NAME",
            description = "Guard the cgroup of this systemd unit or slice (systemd as PID 1 only).")
    String unit;

    @Option(names = "--create", description = "Make the cgroup if it does not exist (it is left in place when the guard stops).")
    boolean create;

    @Option(names = "--on-exit", paramLabel = "closed|release", converter = OnExitConverter.class, defaultValue = "closed",
            description = "What a guard that dies leaves: closed keeps its programs attached with the last policy (fail "
                    + "closed), release removes them (default: ${DEFAULT-VALUE}).")
    SessionRecord.OnExit onExit;

    @Option(names = "--release", paramLabel = "PATH",
            description = "Remove what a dead guard of PATH left attached (its processes keep running, unguarded), and exit.")
    String release;

    @Mixin
    PolicyOptions policy;

    @Mixin
    OutputOptions output;

    @Mixin
    MetricsOptions metrics;

    /** Seams for tests: the guard itself, systemd, and the privilege check of --release. */
    Function<GuardSession.Options, Integer> guardRunner = o -> new GuardSession(o, spec.commandLine().getErr()).run();
    Systemd systemd = Systemd.host();
    BooleanSupplier privileged = () -> Capabilities.current().canRunSessions();

    GuardCommand() {}

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (release != null) return release(err);
        String target = target();
        MetricsAddress metricsAt = metrics.address(spec);
        output.startDebugLog(err);
        PolicyMerge.Merged p = policy.merge(err);
        if (unit != null && p.limits().needsControllers()) {
            throw new PolicyException("--memory, --cpu and --pids (or a policy file's limits) do not go with --unit: systemd owns "
                    + "the limits of its units and rewrites them; set MemoryMax=, CPUQuota= and TasksMax= on " + unit
                    + " instead (--egress-rate works: it is cordon's, in the kernel)");
        }
        DnsService.Options dns = policy.dnsOptions(p);
        GuardSession.Reloader reloader = policy.policyFile == null ? null : new Reload(policy, p);
        GuardSession.Options options = new GuardSession.Options(target, create, onExit, p.ipPolicy(), p.mode(), dns,
                p.allowRawSockets(), dns == null ? OutagePlan.NONE : dns.outage(), p.limits(), output.eventsFile,
                new SessionOptions.Reporting(false, !output.noSummary, output.reports,
                        policy.policyFile == null ? null : policy.policyFile.toString(), output.otlp(spec.commandLine()),
                        !output.noScriptLines),
                argv(), reloader, metricsAt);
        return guardRunner.apply(options);
    }

    /** --cgroup or --unit, exactly one. */
    private String target() {
        if ((cgroup == null) == (unit == null)) {
            throw new ParameterException(spec.commandLine(), "give the cgroup to guard: --cgroup PATH or --unit NAME (one of them)");
        }
        if (cgroup != null) return cgroup;
        if (create) throw new ParameterException(spec.commandLine(), "--create goes with --cgroup; systemd makes a unit's cgroup");
        try {
            return systemd.controlGroup(unit).replaceFirst("^/+", "");
        } catch (IllegalStateException e) {
            throw new dev.cordon.session.CordonException(e.getMessage(), e);
        }
    }

    private int release(PrintWriter err) {
        if (cgroup != null || unit != null || create || metrics.listen != null) {
            throw new ParameterException(spec.commandLine(), "--release PATH stands alone: it only removes what a dead guard left");
        }
        if (!privileged.getAsBoolean()) {
            err.println("cordon: cordon guard --release needs root (it removes pinned programs); try: sudo cordon guard --release PATH");
            return ExitCodes.CORDON_FAILED;
        }
        PrintWriter out = spec.commandLine().getOut();
        try {
            for (String step : SessionGc.live().releaseGuard(GuardedCgroup.resolve(Cgroup2.requireMount(), release))) {
                out.println(Escape.visible(step));
            }
        } catch (IOException e) {
            err.println("cordon: cannot read the session records: " + Escape.visible(String.valueOf(e.getMessage())));
            return ExitCodes.CORDON_FAILED;
        }
        out.flush();
        return ExitCodes.OK;
    }

    private List<String> argv() {
        List<String> argv = new ArrayList<>(List.of("cordon"));
        argv.addAll(spec.commandLine().getParseResult().originalArgs());
        return argv;
    }

    /** SIGHUP: the file read again with the same options; what cannot change while guarding is said. */
    private record Reload(PolicyOptions policy, PolicyMerge.Merged first) implements GuardSession.Reloader {
        @Override
        public GuardSession.Reloaded reload(PrintWriter err) {
            PolicyMerge.Merged now = policy.merge(err);
            DnsService.Options dns = policy.dnsOptions(now);
            List<String> restartOnly = new ArrayList<>();
            note(restartOnly, "upstreams", first.upstreams(), now.upstreams());
            note(restartOnly, "limits", first.limits(), now.limits());
            note(restartOnly, "blockedResponse", first.blockedResponse(), now.blockedResponse());
            note(restartOnly, "upstreamTimeoutMs", first.upstreamTimeoutMs(), now.upstreamTimeoutMs());
            note(restartOnly, "allowRawSockets", first.allowRawSockets(), now.allowRawSockets());
            note(restartOnly, "blockPrivateAnswers", first.blockPrivateAnswers(), now.blockPrivateAnswers());
            return new GuardSession.Reloaded(now.ipPolicy(), dns == null ? null : dns.policy(), now.mode(), restartOnly);
        }

        private static void note(List<String> notes, String key, Object before, Object after) {
            if (!Objects.equals(before, after)) notes.add(key + " changed; it takes effect when the guard restarts");
        }
    }

    static final class OnExitConverter implements ITypeConverter<SessionRecord.OnExit> {
        @Override
        public SessionRecord.OnExit convert(String value) {
            try {
                return SessionRecord.OnExit.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
