package dev.cordon.cli;

import dev.cordon.policy.file.PolicySchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "schema", mixinStandardHelpOptions = true,
        description = "Print the policy file's JSON Schema (draft 2020-12), for editors.")
final class PolicySchemaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(PolicySchema.text());
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
