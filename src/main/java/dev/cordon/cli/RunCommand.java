package dev.cordon.cli;

import dev.cordon.dns.DnsService;
import dev.cordon.policy.OutagePlan;
import dev.cordon.session.CommandLauncher;
import dev.cordon.session.Containment;
import dev.cordon.session.Session;
import dev.cordon.session.SessionOptions;
import dev.cordon.sys.Capability;
import dev.cordon.sys.StartupTrace;
import dev.cordon.sys.UserAccount;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run COMMAND in a fresh cgroup. Its DNS goes through cordon's proxy, which decides every name; "
                + "its connections are checked in the kernel against CIDR rules and the addresses learned from DNS "
                + "answers. Denied attempts fail at once (NXDOMAIN, EPERM) in enforce mode, or are only reported in "
                + "audit mode; either way cordon names the process and its command line.",
        customSynopsis = "cordon run [OPTIONS] -- COMMAND [ARGS...]",
        footer = {"",
                "Domains match on label boundaries: github.com matches api.github.com, never evilgithub.com. "
                        + "The most specific domain rule or prefix decides; the same one both allowed and denied is denied. "
                        + "Loopback (127.0.0.0/8, ::1) is allowed unless a rule names it or a part of it.",
                "",
                "With --policy FILE: settings given as options (--mode, --default, --loopback, --blocked-response, "
                        + "--upstream-timeout, --allow-raw-sockets) override the file's; --upstream replaces the file's "
                        + "upstreams; --allow, --deny, --allow-cidr and --deny-cidr add to the file's rules. A file with "
                        + "errors is reported line by line and nothing runs (exit 125).",
                "",
                "Exit status: the command's own (128+N if signal N killed it); 125 if cordon failed or was "
                        + "used wrongly; 126 if the command cannot be executed; 127 if it was not found."})
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PolicyOptions policy;

    @Option(names = "--keep-cap", paramLabel = "CAP", converter = Converters.KeepCapConverter.class,
            description = "Let the command keep this capability, which cordon otherwise drops (repeatable): "
                    + "sys_admin, net_admin, net_raw, bpf, perfmon, sys_module, sys_ptrace, sys_rawio. Each one it keeps "
                    + "can be used to leave or blind the guard.")
    List<Capability> keepCaps = new ArrayList<>();

    @Option(names = "--user", paramLabel = "USER", converter = Converters.UserConverter.class,
            description = "Run the command as USER (name or uid): its uid, gid and groups; HOME, USER and LOGNAME are set to match.")
    UserAccount user;

    @Option(names = "--fail-on-violation",
            description = "Exit " + SessionOptions.EXIT_VIOLATION + " if anything was blocked or audited (would-be-blocked), "
                    + "even when the command succeeded.")
    boolean failOnViolation;

    @Mixin
    OutputOptions output;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The command to run and its arguments.")
    List<String> command = new ArrayList<>();

    RunCommand() {}

    @Override
    public Integer call() {
        StartupTrace.mark("parsed");
        PrintWriter err = spec.commandLine().getErr();
        output.startDebugLog(err);
        PolicyMerge.Merged p = policy.merge(err);
        StartupTrace.mark("merged");
        DnsService.Options dns = policy.dnsOptions(p);
        String policyFile = policy.policyFile == null ? null : policy.policyFile.toString();
        SessionOptions options = new SessionOptions(command, p.ipPolicy(), p.mode(), output.eventsFile, CommandLauncher.Stdio.INHERIT,
                dns, p.allowRawSockets(), dns == null ? OutagePlan.NONE : dns.outage(),
                new SessionOptions.Reporting(failOnViolation, !output.noSummary, output.reports, policyFile,
                        output.otlp(spec.commandLine()), !output.noScriptLines),
                new Containment(Set.copyOf(keepCaps), user), p.limits());
        StartupTrace.mark("policy");
        return sessionRunner.apply(options);
    }

    /** The seam tests replace to check parsing without root. */
    Function<SessionOptions, Integer> sessionRunner = o -> new Session(o, spec.commandLine().getErr()).run();
}
