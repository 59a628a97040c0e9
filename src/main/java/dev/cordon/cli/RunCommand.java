package dev.cordon.cli;

import dev.cordon.libbpf.LibBpfLog;
import dev.cordon.policy.Action;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.PolicyException;
import dev.cordon.session.CommandLauncher;
import dev.cordon.session.Session;
import dev.cordon.session.SessionOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Run COMMAND in a fresh cgroup with its outbound connections checked in the kernel.",
                "Denied attempts fail with EPERM (enforce) or are only reported (audit); either way",
                "cordon prints one line per attempt naming the process and its command line."},
        customSynopsis = "cordon run [OPTIONS] -- COMMAND [ARGS...]",
        footer = {"",
                "The most specific prefix decides; the same prefix both allowed and denied is denied.",
                "Loopback (127.0.0.0/8, ::1) is allowed unless a rule names it or a part of it.",
                "",
                "Exit status: the command's own (128+N if a signal N killed it); 125 if cordon failed,",
                "126 if the command cannot be executed, 127 if it was not found."})
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--deny-cidr", paramLabel = "CIDR", converter = CidrConverter.class,
            description = "Deny this prefix or address (repeatable), e.g. 10.0.0.0/8, 2001:db8::/32, 192.0.2.7.")
    List<Cidr> denyCidrs = new ArrayList<>();

    @Option(names = "--allow-cidr", paramLabel = "CIDR", converter = CidrConverter.class,
            description = "Allow this prefix or address (repeatable).")
    List<Cidr> allowCidrs = new ArrayList<>();

    @Option(names = "--default", paramLabel = "allow|deny", defaultValue = "allow",
            description = "What happens to destinations no rule matches (default: ${DEFAULT-VALUE}).")
    Action defaultAction;

    @Option(names = "--mode", paramLabel = "enforce|audit", defaultValue = "enforce",
            description = "enforce: denied attempts fail with EPERM; audit: they succeed and are reported (default: ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--events", paramLabel = "FILE",
            description = "Write every connection attempt and exec of the session to FILE as JSON Lines.")
    Path eventsFile;

    @Option(names = "--debug", description = "Print libbpf's log (including verifier output) on stderr.")
    boolean debug;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The command to run and its arguments.")
    List<String> command = new ArrayList<>();

    RunCommand() {}

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (debug) {
            LibBpfLog.setSink((level, line) -> {
                err.println("cordon: debug: libbpf: " + level.name().toLowerCase(java.util.Locale.ROOT) + ": " + line);
                err.flush();
            });
        }
        IpPolicy policy = IpPolicy.of(allowCidrs, denyCidrs, defaultAction);
        SessionOptions options = new SessionOptions(command, policy, mode, eventsFile, CommandLauncher.Stdio.INHERIT);
        return sessionRunner.apply(options);
    }

    /** The seam tests replace to check parsing without root. */
    Function<SessionOptions, Integer> sessionRunner = o -> new Session(o, spec.commandLine().getErr()).run();

    static final class CidrConverter implements ITypeConverter<Cidr> {
        @Override
        public Cidr convert(String value) {
            try {
                return Cidr.parse(value);
            } catch (PolicyException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
