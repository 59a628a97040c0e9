package dev.cordon.cli;

import dev.cordon.report.ReportFormat;
import dev.cordon.report.model.RunModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Render a report from an events file (cordon run --events FILE).",
        footer = {"", "Without --format, -o's extension picks it (.md, .html, .json); without -o, the summary goes to stdout.",
                "Exit status: 0, or 125 if the file cannot be read or the format is unknown."})
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "EVENTS.jsonl", description = "The events file of a run.")
    Path events;

    @Option(names = "--format", paramLabel = "FORMAT", description = "summary, md, html or json.")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the report here instead of stdout.")
    Path output;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ReportFormat f;
        try {
            f = format != null ? ReportFormat.parse(format) : output != null ? ReportFormat.forFile(output) : ReportFormat.SUMMARY;
        } catch (IllegalArgumentException e) {
            err.println("cordon: " + e.getMessage());
            return ExitCodes.CORDON_FAILED;
        }
        RunModel model = EventsInput.read(events, err);
        if (model == null) return ExitCodes.CORDON_FAILED;
        return EventsInput.emit(f.render(model), output, spec.commandLine().getOut(), err);
    }
}
