package dev.cordon.cli;

import dev.cordon.events.Escape;
import dev.cordon.policy.PolicyException;
import dev.cordon.policy.file.PolicyFileException;
import dev.cordon.policy.file.PolicyProblem;
import dev.cordon.session.CordonException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.List;

/** Builds the command tree and maps every failure to one line on stderr and an exit code. */
public final class Cli {
    private Cli() {}

    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        try {
            return RuleArgs.execute(create(out, err, args), args);
        } catch (LinkageError e) {
            // picocli passes Errors through; a missing libbpf.so.1 surfaces here as a LinkageError.
            err.println("cordon: " + rootMessage(e));
            err.flush();
            return ExitCodes.CORDON_FAILED;
        }
    }

    /** The innermost cause's message: "libbpf.so.1 not found; install ...", not "Could not initialize class". */
    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        if (c instanceof NoClassDefFoundError n && n.getMessage() != null && n.getMessage().startsWith("Could not initialize class")) {
            // The JVM keeps the original failure as a suppressed-style cause on newer JDKs; fall back to it.
            for (Throwable s = n; s != null; s = s.getCause()) if (s instanceof ExceptionInInitializerError ei && ei.getCause() != null) c = ei.getCause();
        }
        String m = c.getMessage();
        return m == null ? c.toString() : m;
    }

    /** "no such file" rather than NoSuchFileException's bare path. */
    static String ioMessage(Exception e) {
        Throwable c = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
        return switch (c) {
            case java.nio.file.NoSuchFileException n -> "no such file";
            case java.nio.file.AccessDeniedException a -> "permission denied";
            case java.nio.charset.CharacterCodingException x -> "not UTF-8 text";
            default -> rootMessage(c);
        };
    }

    /** The subcommands in help order, by name. */
    static final List<String> SUBCOMMANDS = List.of("run", "guard", "policy", "report", "suggest", "demo", "doctor", "gc");

    private static Object subcommand(String name) {
        return switch (name) {
            case "run" -> new RunCommand();
            case "guard" -> new GuardCommand();
            case "policy" -> new PolicyCommand();
            case "report" -> new ReportCommand();
            case "suggest" -> new SuggestCommand();
            case "demo" -> new DemoCommand();
            case "doctor" -> new DoctorCommand();
            case "gc" -> new GcCommand();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * The whole command tree, printing to stdout and stderr: what the documents generated from the
     * CLI model describe (man pages and bash completion, src/build/CliDocs.java).
     */
    public static CommandLine commandTree() {
        return create(new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    /** The whole command tree. */
    static CommandLine create(PrintWriter out, PrintWriter err) {
        return create(out, err, SUBCOMMANDS);
    }

    /**
     * The tree {@code args} can reach: only the subcommand they name, when {@code args[0]} names one
     * (nothing before a subcommand's name can select another), else all of them, for help and
     * "did you mean" on a misspelt name. Building one instead of six saves a good part of start-up.
     */
    static CommandLine create(PrintWriter out, PrintWriter err, String[] args) {
        return create(out, err, args.length > 0 && SUBCOMMANDS.contains(args[0]) ? List.of(args[0]) : SUBCOMMANDS);
    }

    private static CommandLine create(PrintWriter out, PrintWriter err, List<String> subcommands) {
        CommandLine cl = new CommandLine(new CordonCommand());
        // Added before the settings below: picocli applies them to the subcommands present at the call.
        for (String name : subcommands) cl.addSubcommand(subcommand(name));
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Everything after the command's name belongs to the command: `cordon run curl -sS URL`.
        CommandLine run = cl.getSubcommands().get("run");
        if (run != null) run.setStopAtPositional(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("cordon: " + ex.getMessage());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return ExitCodes.CORDON_FAILED;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            PrintWriter e = c.getErr();
            if (ex instanceof PolicyFileException f) {
                for (PolicyProblem p : f.problems()) e.println(Escape.visible(p.format(f.source())));
                e.println("cordon: " + Escape.visible(f.getMessage()) + "; nothing was run");
            } else if (ex instanceof CordonException || ex instanceof PolicyException) {
                e.println("cordon: " + ex.getMessage());
            } else if (ex instanceof dev.cordon.libbpf.BpfException || ex instanceof dev.cordon.libbpf.LibBpfLoader.LibBpfMissingException) {
                e.println("cordon: " + ex.getMessage());
            } else {
                e.println("cordon: internal error: " + ex);
                if (Boolean.getBoolean("cordon.debug") || System.getenv("CORDON_DEBUG") != null) ex.printStackTrace(e);
            }
            e.flush();
            return ExitCodes.CORDON_FAILED;
        });
        return cl;
    }
}
