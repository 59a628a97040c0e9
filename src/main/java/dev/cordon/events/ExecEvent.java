package dev.cordon.events;

import java.util.List;

/**
 * A process of the session exec'd; argv as captured in the kernel (possibly truncated).
 *
 * @param exe    the file the kernel ran, or null when it could not read its path
 * @param script for a {@code #!} (or binfmt_misc) script, the path execve was given, as given (relative
 *               ones too, as much as the kernel keeps); null when no interpreter took over
 */
public record ExecEvent(long monotonicNs, ProcessRef process, int ppid, List<String> argv, boolean truncated,
                        Executable exe, String script) implements KernelEvent {
    public ExecEvent {
        argv = List.copyOf(argv);
    }
}
