package dev.cordon.events;

import java.util.List;

/** A process of the session exec'd; argv as captured in the kernel (possibly truncated). */
public record ExecEvent(long monotonicNs, ProcessRef process, int ppid, List<String> argv, boolean truncated)
        implements KernelEvent {
    public ExecEvent {
        argv = List.copyOf(argv);
    }
}
