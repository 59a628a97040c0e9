package dev.cordon.cli;

import dev.cordon.metrics.MetricsAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/** Where {@code cordon guard} serves Prometheus metrics (a picocli mixin). */
final class MetricsOptions {
    @Option(names = "--metrics-listen", paramLabel = "IP:PORT", converter = AddressConverter.class,
            description = "Serve Prometheus metrics on http://IP:PORT/metrics, e.g. " + MetricsAddress.EXAMPLE + " or [::1]:9464 "
                    + "(port 0: any free port, said on stderr). Loopback only, unless --metrics-allow-remote.")
    MetricsAddress listen;

    @Option(names = "--metrics-allow-remote",
            description = "Let --metrics-listen take an address other hosts can reach (0.0.0.0, a host's address). The metrics "
                    + "name the guarded cgroup, its tasks and the policy's rules, and are served without authentication.")
    boolean allowRemote;

    /** The checked address, or null without --metrics-listen. */
    MetricsAddress address(CommandSpec spec) {
        if (listen == null) {
            if (allowRemote) throw new ParameterException(spec.commandLine(), "--metrics-allow-remote goes with --metrics-listen IP:PORT");
            return null;
        }
        try {
            return listen.requireAllowed(allowRemote);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    static final class AddressConverter implements ITypeConverter<MetricsAddress> {
        @Override
        public MetricsAddress convert(String value) {
            try {
                return MetricsAddress.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
