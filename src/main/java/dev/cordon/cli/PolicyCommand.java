package dev.cordon.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Work with policy files (YAML, for cordon run --policy).",
        subcommands = {PolicyCheckCommand.class, PolicySchemaCommand.class})
final class PolicyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.CORDON_FAILED;
    }
}
