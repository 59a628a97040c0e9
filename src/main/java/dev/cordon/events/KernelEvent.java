package dev.cordon.events;

/** A record from the session's ring buffer, decoded. Times are CLOCK_MONOTONIC nanoseconds. */
public sealed interface KernelEvent permits NetEvent, ExecEvent, ExecDeniedEvent, ExitEvent, OutageEndEvent, ScriptLineEvent {
    long monotonicNs();

    ProcessRef process();
}
