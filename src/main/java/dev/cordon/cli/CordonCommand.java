package dev.cordon.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "cordon", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Run a command in its own cgroup and audit or block its outbound network access.",
        exitCodeListHeading = "%nExit codes (cordon run passes the command's own status through):%n",
        exitCodeList = {
                "125:cordon itself failed or was used wrongly",
                "126:the command cannot be executed",
                "127:the command was not found"})
// Subcommands are added by Cli.create, only the one a command line names when it names one: picocli
// reflects over every registered command up front, and that costs start-up time.
final class CordonCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.CORDON_FAILED;
    }
}
