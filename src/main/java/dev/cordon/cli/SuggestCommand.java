package dev.cordon.cli;

import dev.cordon.report.model.RunModel;
import dev.cordon.report.suggest.PolicySuggester;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "suggest", mixinStandardHelpOptions = true,
        description = "Write a starting allowlist policy (YAML) from the events file of an audit run.",
        footer = {"", "Allows every domain the run used (allowed and audited queries) and every address it reached",
                "without a name; each entry names the commands that needed it. Review it before use.",
                "Exit status: 0, or 125 if the file cannot be read."})
final class SuggestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "EVENTS.jsonl", description = "The events file of an audit run.")
    Path events;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the policy here instead of stdout.")
    Path output;

    @Option(names = "--group-min", paramLabel = "N", defaultValue = "" + PolicySuggester.DEFAULT_GROUP_MIN,
            description = "Collapse N or more names under one registrable domain into *.domain (default: ${DEFAULT-VALUE}).")
    int groupMin;

    @Override
    public Integer call() {
        if (groupMin < 2) {
            spec.commandLine().getErr().println("cordon: --group-min must be at least 2");
            return ExitCodes.CORDON_FAILED;
        }
        RunModel model = EventsInput.read(events, spec.commandLine().getErr());
        if (model == null) return ExitCodes.CORDON_FAILED;
        return EventsInput.emit(PolicySuggester.suggest(model, groupMin), output, spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }
}
