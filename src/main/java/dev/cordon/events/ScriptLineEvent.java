package dev.cordon.events;

/**
 * A bash of the session is about to exec a command from this script line (the process that execs
 * is {@link #process()}): the next exec of that pid is the command the line started.
 */
public record ScriptLineEvent(long monotonicNs, ProcessRef process, ScriptLine line) implements KernelEvent {}
