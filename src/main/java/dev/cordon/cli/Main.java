package dev.cordon.cli;

import java.io.PrintWriter;

/** Entry point of bin/cordon. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        dev.cordon.sys.StartupTrace.mark("main");
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        String[] argv;
        try {
            argv = LauncherArgs.expand(args);
        } catch (IllegalStateException e) {
            err.println("cordon: " + e.getMessage());
            err.flush();
            System.exit(ExitCodes.CORDON_FAILED);
            return;
        }
        int code = Cli.execute(argv, out, err);
        out.flush();
        err.flush();
        dev.cordon.sys.StartupTrace.mark("exit");
        System.exit(code);
    }
}
