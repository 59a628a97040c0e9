package dev.cordon.cli;

import java.io.PrintWriter;

/** Entry point of bin/cordon. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        dev.cordon.sys.StartupTrace.mark("main");
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = Cli.execute(args, out, err);
        out.flush();
        err.flush();
        dev.cordon.sys.StartupTrace.mark("exit");
        System.exit(code);
    }
}
