package dev.cordon.events;

/**
 * A process of the session failed execve() or execveat() with EPERM, as the kernel saw it return.
 *
 * @param ppid          its parent (a fork that never exec'd runs its parent's command line)
 * @param errno         what the call failed with (1, EPERM)
 * @param dirfd         execveat's directory fd; {@link #AT_FDCWD} for execve
 * @param flags         execveat's flags ({@link #AT_EMPTY_PATH}); 0 for execve
 * @param path          the path as the process passed it (relative ones to {@code dirfd}); empty if unreadable
 * @param pathTruncated the kernel kept only the first bytes of a longer path
 */
public record ExecDeniedEvent(long monotonicNs, ProcessRef process, int ppid, int errno, int dirfd, int flags, String path,
                              boolean pathTruncated) implements KernelEvent {
    public static final int AT_FDCWD = -100;
    public static final int AT_EMPTY_PATH = 0x1000;

    /** execveat(fd, "", ..., AT_EMPTY_PATH), as fexecve does: the file is {@code dirfd} itself. */
    public boolean execsTheFd() {
        return path.isEmpty() && (flags & AT_EMPTY_PATH) != 0;
    }
}
