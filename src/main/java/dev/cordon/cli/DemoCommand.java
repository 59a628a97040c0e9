package dev.cordon.cli;

import dev.cordon.demo.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Show cordon on GitHub's scenario, all on loopback: a deploy script that secretly",
                "depends on github.com, run first in audit mode, then in enforce mode."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return new Demo(spec.commandLine().getOut(), spec.commandLine().getErr()).run();
    }
}
