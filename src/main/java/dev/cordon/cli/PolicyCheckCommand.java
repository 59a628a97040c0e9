package dev.cordon.cli;

import dev.cordon.events.Escape;
import dev.cordon.policy.file.PolicyFileParser;
import dev.cordon.policy.file.PolicyProblem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check policy files without running anything. Every problem is printed as",
                "FILE:LINE:COL: error|warning: MESSAGE, then a one-line verdict. Warnings (a duplicate or",
                "redundant rule) do not make a file invalid."},
        footer = {"", "Exit status: 0 if every file is valid, 1 if any has errors, 125 if a file cannot be read."})
final class PolicyCheckCommand implements Callable<Integer> {
    static final int INVALID = 1;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Policy files to check.")
    List<Path> files;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int errors = 0, warnings = 0, invalid = 0, unreadable = 0;
        for (Path f : files) {
            PolicyFileParser.Result r;
            try {
                r = PolicyFileParser.read(f);
            } catch (IOException | java.io.UncheckedIOException e) {
                err.println("cordon: cannot read " + Escape.visible(f + ": " + Cli.ioMessage(e)));
                unreadable++;
                continue;
            }
            for (PolicyProblem p : r.problems()) {
                out.println(Escape.visible(p.format(f.toString())));
                if (p.isError()) errors++;
                else warnings++;
            }
            if (!r.valid()) invalid++;
        }
        int checked = files.size() - unreadable;
        String verdict = invalid == 0 && unreadable == 0 ? "valid" : "INVALID";
        out.println(verdict + ": " + checked + " file" + (checked == 1 ? "" : "s") + " checked, "
                + count(errors, "error") + ", " + count(warnings, "warning")
                + (invalid > 0 ? " (" + invalid + " invalid)" : "") + (unreadable > 0 ? ", " + unreadable + " unreadable" : ""));
        out.flush();
        err.flush();
        return unreadable > 0 ? ExitCodes.CORDON_FAILED : invalid > 0 ? INVALID : ExitCodes.OK;
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
