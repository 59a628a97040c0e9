package dev.cordon.cli;

import dev.cordon.policy.PolicyException;
import dev.cordon.session.CordonException;
import picocli.CommandLine;

import java.io.PrintWriter;

/** Builds the command tree and maps every failure to one line on stderr and an exit code. */
public final class Cli {
    private Cli() {}

    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return create(out, err).execute(args);
    }

    static CommandLine create(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new CordonCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Everything after the command's name belongs to the command: `cordon run curl -sS URL`.
        cl.getSubcommands().get("run").setStopAtPositional(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("cordon: " + ex.getMessage());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return ExitCodes.CORDON_FAILED;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            PrintWriter e = c.getErr();
            if (ex instanceof CordonException || ex instanceof PolicyException) {
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
