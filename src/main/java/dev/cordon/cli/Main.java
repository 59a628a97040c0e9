package dev.cordon.cli;

import java.io.PrintWriter;

/** Entry point of bin/cordon. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = Cli.execute(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
