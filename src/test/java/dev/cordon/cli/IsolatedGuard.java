package dev.cordon.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * {@code cordon guard ARGS} as far as it goes without root: the command line parsed and checked and the guard's
 * options built, the guard itself not run. Loaded by {@link MetricsClassLoadingTest} in a class loader of its own.
 */
public final class IsolatedGuard {
    private IsolatedGuard() {}

    public static void run(String[] args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true), args);
        GuardCommand gc = cl.getSubcommands().get("guard").getCommand();
        gc.guardRunner = o -> 0;
        int code = cl.execute(args);
        if (code != 0) throw new AssertionError("exit " + code + ": " + err);
    }
}
