package dev.cordon.cli;

import dev.cordon.libbpf.LibBpfLog;
import dev.cordon.otlp.OtlpSettings;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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

    @Option(names = "--otlp", paramLabel = "URL",
            description = "Send blocked, audited and outage attempts and queries as OpenTelemetry log records, with counters of "
                    + "them, to the collector at URL over OTLP/HTTP (its base URL, e.g. http://127.0.0.1:4318). Default: "
                    + "$" + OtlpSettings.ENDPOINT + "; $" + OtlpSettings.HEADERS + ", $" + OtlpSettings.RESOURCE + " and $"
                    + OtlpSettings.SERVICE_NAME + " apply. Never slows the command: records the collector cannot take are "
                    + "dropped and counted; the end waits at most " + OtlpSettings.FLUSH_SECONDS + " s for it.")
    String otlp;

    @Option(names = "--otlp-all", description = "With OTLP export, send allowed attempts and queries too.")
    boolean otlpAll;

    @Option(names = "--debug", description = "Print libbpf's log (including verifier output) on stderr.")
    boolean debug;

    /** Where the OTEL_* variables come from (tests replace it). */
    Map<String, String> environment = System.getenv();

    /** The OTLP export's settings from --otlp and the environment, or null when it is off. */
    OtlpSettings otlp(CommandLine commandLine) {
        try {
            return OtlpSettings.from(otlp, otlpAll, environment);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandLine, e.getMessage());
        }
    }

    /** With --debug, libbpf's log goes to {@code err} from now on. */
    void startDebugLog(PrintWriter err) {
        if (!debug) return;
        LibBpfLog.setSink((level, line) -> {
            err.println("cordon: debug: libbpf: " + level.name().toLowerCase(Locale.ROOT) + ": " + line);
            err.flush();
        });
    }
}
