package dev.cordon.events;

import java.time.Instant;
import java.util.List;

/**
 * The start of a run, the first record of an events file.
 *
 * @param policyFile the --policy file, or null
 * @param outages    the --simulate-outage targets (absolute names)
 * @param argv       the command of {@code cordon run}; for {@code cordon guard}, its own arguments
 * @param outageStyle timeout, servfail or refuse; null when there are no outages
 * @param guard      the cgroup {@code cordon guard} protects, null for {@code cordon run}
 */
public record RunStart(Instant time, String cordonVersion, List<String> argv, String mode, String defaultAction,
                       String firewallMethod, String policyFile, List<String> outages, String outageStyle,
                       long outageWaitMs, String guard) {
    public RunStart {
        argv = List.copyOf(argv);
        outages = List.copyOf(outages);
    }

    /** The start of a {@code cordon run}. */
    public RunStart(Instant time, String cordonVersion, List<String> argv, String mode, String defaultAction,
                    String firewallMethod, String policyFile, List<String> outages, String outageStyle, long outageWaitMs) {
        this(time, cordonVersion, argv, mode, defaultAction, firewallMethod, policyFile, outages, outageStyle, outageWaitMs, null);
    }
}
