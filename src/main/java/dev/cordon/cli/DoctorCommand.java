package dev.cordon.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check that this host can run cordon; one row per check, exit 0 only if it can.")
final class DoctorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("doctor: not yet written");
    }
}
