package dev.cordon.events;

import java.time.Instant;

/**
 * The end of a run, the last record of an events file.
 *
 * @param exitStatus    what cordon run exits with (after --fail-on-violation)
 * @param commandStatus the command's own status, 128+N if signal N killed it
 * @param violations    blocked and audited attempts and queries
 * @param droppedEvents records the kernel could not queue (the record is incomplete when above 0)
 */
public record RunEnd(Instant time, int exitStatus, int commandStatus, int rootPid, long durationMs, long violations,
                     long droppedEvents) {}
