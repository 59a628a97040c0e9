package dev.cordon.cli;

import dev.cordon.session.SinkWiring;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/**
 * {@code cordon run ARGS} as far as it goes without root: the command line parsed and checked, the session's
 * options built, then the session's sinks wired and fed ({@link SinkWiring}). Loaded by {@link OtlpClassLoadingTest}
 * in a class loader of its own.
 */
public final class IsolatedRun {
    private IsolatedRun() {}

    public static String run(String[] args, Map<String, String> env) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true), args);
        RunCommand rc = cl.getSubcommands().get("run").getCommand();
        rc.output.environment = env;
        rc.sessionRunner = o -> SinkWiring.exercise(o, rc.spec.commandLine().getErr());
        int code = cl.execute(args);
        if (code != 0) throw new AssertionError("exit " + code + ": " + err);
        return err.toString();
    }
}
