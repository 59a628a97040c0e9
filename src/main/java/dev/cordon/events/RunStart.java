package dev.cordon.events;

import java.time.Instant;
import java.util.List;

/**
 * The start of a run, the first record of an events file.
 *
 * @param policyFile the --policy file, or null
 * @param outages    the --simulate-outage targets (absolute names)
 * @param outageStyle timeout, servfail or refuse; null when there are no outages
 */
public record RunStart(Instant time, String cordonVersion, List<String> argv, String mode, String defaultAction,
                       String firewallMethod, String policyFile, List<String> outages, String outageStyle,
                       long outageWaitMs) {
    public RunStart {
        argv = List.copyOf(argv);
        outages = List.copyOf(outages);
    }
}
