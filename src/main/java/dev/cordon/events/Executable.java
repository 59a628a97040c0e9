package dev.cordon.events;

import java.util.Locale;

/**
 * The file a process runs, as the kernel names it: not argv[0] or comm, which the caller chooses
 * ({@code exec -a}, a symlink's name). For a {@code #!} script it is the interpreter.
 *
 * @param path      absolute from the root of the process's mount namespace (symlinks resolved); a file
 *                  with no name left when it ran (deleted, or a memfd) ends in {@value #DELETED}, as
 *                  {@code /proc/PID/exe} says it
 * @param source    how cordon learned it
 * @param truncated the path was longer than the kernel keeps: {@code path} is its end
 */
public record Executable(String path, Source source, boolean truncated) {
    /** What {@code /proc/PID/exe} appends to a file that has no name left. */
    public static final String DELETED = " (deleted)";
    /** What stands for the leading part of a path the kernel cut: no real path starts with it. */
    public static final String CUT = "...";

    /** How cordon learned which file a process runs, best first. */
    public enum Source {
        /** The kernel, at the process's exec inside the session. */
        EXEC,
        /** {@code /proc/PID/exe} when the process was first seen (a fork, or a process already running when a guard started). */
        PROC,
        /** Its parent's: a fork that ended before it was seen runs its parent's file. */
        PARENT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The path as records and lines show it: a cut one starts with {@value #CUT}. */
    public String shown() {
        return truncated ? CUT + path : path;
    }

    /** The same file, learned another way. */
    public Executable from(Source other) {
        return new Executable(path, other, truncated);
    }
}
