package dev.cordon.events;

/**
 * A process of the session ended.
 *
 * @param exitCode as wait(2) encodes it: status in bits 8-15, or the killing signal in bits 0-6
 */
public record ExitEvent(long monotonicNs, ProcessRef process, int ppid, int exitCode) implements KernelEvent {
    /** The killing signal, or 0 if the process exited by itself. */
    public int signal() {
        return exitCode & 0x7f;
    }

    /** The exit status (0-255); meaningful only when {@link #signal()} is 0. */
    public int status() {
        return (exitCode >> 8) & 0xff;
    }
}
