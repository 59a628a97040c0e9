package dev.cordon.cli;

import dev.cordon.libbpf.LibBpfLog;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What {@code cordon run} and {@code cordon guard} write besides their stderr lines (a picocli mixin). */
final class OutputOptions {
    @Option(names = "--no-summary", description = "Do not print the summary on stderr at the end.")
    boolean noSummary;

    @Option(names = "--report", paramLabel = "FILE", converter = Converters.ReportFileConverter.class,
            description = "Write a report to FILE at the end (repeatable); the format follows the extension: .md, .html, .json. "
                    + "When $GITHUB_STEP_SUMMARY is set, the Markdown report is appended to it as well.")
    List<Path> reports = new ArrayList<>();

    @Option(names = "--events", paramLabel = "FILE",
            description = "Write every connection attempt, query and exec to FILE as JSON Lines.")
    Path eventsFile;

    @Option(names = "--no-script-lines",
            description = "Do not name the bash script line behind each attempt (line=deploy.sh:9). Naming it puts a "
                    + "uprobe on bash's shell_execve, which every bash process on the host passes through when it starts a command.")
    boolean noScriptLines;

    @Option(names = "--debug", description = "Print libbpf's log (including verifier output) on stderr.")
    boolean debug;

    /** With --debug, libbpf's log goes to {@code err} from now on. */
    void startDebugLog(PrintWriter err) {
        if (!debug) return;
        LibBpfLog.setSink((level, line) -> {
            err.println("cordon: debug: libbpf: " + level.name().toLowerCase(Locale.ROOT) + ": " + line);
            err.flush();
        });
    }
}
