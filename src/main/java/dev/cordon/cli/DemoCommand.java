package dev.cordon.cli;

import dev.cordon.demo.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = DemoCommand.World.class,
        description = {"Show cordon on GitHub's scenario, all on loopback: a deploy script that secretly",
                "depends on github.com, run in audit mode, in enforce mode, and with github.com rehearsed as down."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try {
            return new Demo(spec.commandLine().getOut(), spec.commandLine().getErr()).run();
        } catch (java.io.IOException e) {
            throw new dev.cordon.session.CordonException("the demo failed: " + e.getMessage(), e);
        }
    }

    @Command(name = "world", mixinStandardHelpOptions = true,
            description = {"Serve the demo's DNS server and web servers on loopback until stopped, so you can run",
                    "examples/deploy.sh under cordon yourself (cordon run --upstream 127.0.0.1:5353 ...)."})
    static final class World implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dns-port", defaultValue = "5353", description = "dnsmasq's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
        int dnsPort;

        @Option(names = "--http-port", defaultValue = "8080",
                description = "The web servers' port on 127.0.0.10-12 (default: ${DEFAULT-VALUE}; examples/deploy.sh reads DEMO_HTTP_PORT).")
        int httpPort;

        @Override
        public Integer call() throws Exception {
            if (dnsPort < 1 || dnsPort > 65535 || httpPort < 1 || httpPort > 65535) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "ports must be 1-65535");
            }
            try {
                return new Demo(spec.commandLine().getOut(), spec.commandLine().getErr()).serveWorld(httpPort, dnsPort);
            } catch (java.io.IOException e) {
                throw new dev.cordon.session.CordonException("cannot start the demo world: " + e.getMessage(), e);
            }
        }
    }
}
