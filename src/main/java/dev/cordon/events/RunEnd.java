package dev.cordon.events;

import java.time.Instant;

/**
 * The end of a run, the last record of an events file.
 *
 * @param exitStatus    what cordon run exits with (after --fail-on-violation)
 * @param commandStatus the command's own status, 128+N if signal N killed it
 * @param violations    blocked and audited attempts and queries
 * @param droppedEvents records the kernel could not queue (the record is incomplete when above 0)
 * @param limits        the session's limits and what they stopped, or null when it had none
 * @param otlpDropped   log records the OTLP export made that the collector did not confirm; null when it was off
 */
public record RunEnd(Instant time, int exitStatus, int commandStatus, int rootPid, long durationMs, long violations,
                     long droppedEvents, Limits limits, Long otlpDropped) {
    /**
     * @param memory, cpu, pids, egressRate the limits as given (null: not limited)
     * @param oomKills          processes the kernel's OOM killer ended at the memory limit
     * @param pidsRefused       forks that failed at the pids limit
     * @param cpuThrottledPeriods 100 ms periods in which the session ran out of CPU quota
     */
    public record Limits(String memory, String cpu, Long pids, String egressRate, long oomKills, long pidsRefused,
                         long cpuThrottledPeriods) {}
}
