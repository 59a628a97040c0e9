package dev.cordon.report.model;

import java.time.Instant;
import java.util.List;

/**
 * The run as a whole, from the run-start and run-end records. Any field may be null: a file
 * written before those records existed, or by a run that did not end cleanly, lacks them.
 */
public record RunInfo(String cordonVersion, Instant start, Instant end, List<String> argv, String mode,
                      String defaultAction, String firewallMethod, String policy, List<OutageSpec> outages,
                      Long outageWaitMs, Integer exitStatus, Integer commandStatus, Integer rootPid,
                      Long durationMs, Long violations, Long droppedEvents) {
    public RunInfo {
        argv = argv == null ? null : List.copyOf(argv);
        outages = outages == null ? List.of() : List.copyOf(outages);
    }

    public static RunInfo unknown() {
        return new RunInfo(null, null, null, null, null, null, null, null, List.of(), null, null, null, null, null, null, null);
    }

    /** The command line, or null if no run-start record was seen. */
    public String cmd() {
        return argv == null ? null : String.join(" ", argv);
    }
}
