package dev.cordon.session;

import dev.cordon.events.ExecDenial;
import dev.cordon.events.ExecDeniedEvent;
import dev.cordon.events.ProcessTable;
import dev.cordon.sys.Capability;
import dev.cordon.sys.FileCapabilities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds out whether an exec the kernel refused with EPERM failed because of the capabilities the
 * session dropped. A file whose capabilities are effective and permit one the bounding set lacks
 * cannot be exec'd (bprm_caps_from_vfs_caps), and the caller only learns EPERM ({@code setpriv:
 * failed to execute ping: Operation not permitted}, exit 126). This reads the file's
 * security.capability and compares it with what the session dropped.
 *
 * <p>The file is the one the process named: an absolute path as it stands; a relative one (or
 * execveat's fd) through the process's /proc/PID/cwd or fd link, which exists only while the
 * process does. A process usually exits right after its exec failed: then the denial says that
 * cordon could not tell.
 */
final class ExecDenials {
    /** Reads a file's capabilities: {@link FileCapabilities#of} in a session, a fake in tests. */
    interface Reader {
        Optional<FileCapabilities> read(String path) throws IOException;
    }

    private final Set<Capability> dropped;
    private final Reader reader;
    private final Path proc;

    /** @param dropped the capabilities the session removed from the command's bounding set */
    ExecDenials(Set<Capability> dropped) {
        this(dropped, FileCapabilities::of, Path.of("/proc"));
    }

    ExecDenials(Set<Capability> dropped, Reader reader, Path proc) {
        this.dropped = dropped.isEmpty() ? Set.of() : EnumSet.copyOf(dropped);
        this.reader = reader;
        this.proc = proc;
    }

    ExecDenial explain(Instant time, ExecDeniedEvent e, ProcessTable.Attribution who) {
        Located file = locate(e);
        if (file.problem() != null) return new ExecDenial(time, e, who, null, List.of(), List.of(), file.problem());
        Optional<FileCapabilities> caps;
        try {
            caps = reader.read(file.path());
        } catch (IOException x) {
            return new ExecDenial(time, e, who, file.shown(), List.of(), List.of(), "cannot read its capabilities: " + x.getMessage());
        }
        if (caps.isEmpty()) return new ExecDenial(time, e, who, file.shown(), List.of(), List.of(), null);
        return new ExecDenial(time, e, who, file.shown(), names(caps.get().permittedSet()), names(caps.get().missingAtExec(dropped)), null);
    }

    /** How to reach the file and how to name it, or why it cannot be found. */
    private record Located(String path, String shown, String problem) {
        static Located unresolved(String why) {
            return new Located(null, null, why);
        }
    }

    private Located locate(ExecDeniedEvent e) {
        int pid = e.process().pid();
        if (e.pathTruncated()) return Located.unresolved("its path is longer than the kernel copied");
        if (e.execsTheFd()) return throughProc(pid, "fd/" + e.dirfd(), "", "fd " + e.dirfd());
        if (e.path().isEmpty()) return Located.unresolved("its path could not be read");
        if (e.path().startsWith("/")) return new Located(e.path(), e.path(), null);
        return e.dirfd() == ExecDeniedEvent.AT_FDCWD
                ? throughProc(pid, "cwd", e.path(), "working directory")
                : throughProc(pid, "fd/" + e.dirfd(), e.path(), "fd " + e.dirfd());
    }

    /**
     * {@code relative} under /proc/PID/{@code link} (cwd, fd/N), which follows the process's own view
     * of it. Runs on the event thread: a path Java cannot name (bytes the platform charset cannot
     * map) is unresolved, never an exception.
     */
    private Located throughProc(int pid, String link, String relative, String what) {
        Path base = proc.resolve(Integer.toString(pid)).resolve(link);
        Path target;
        try {
            target = Files.readSymbolicLink(base);
        } catch (IOException | UnsupportedOperationException x) {
            return Located.unresolved("it names the file through the " + what + " of pid " + pid + ", which has exited");
        }
        if (relative.isEmpty()) return new Located(base.toString(), target.toString(), null);
        try {
            return new Located(base.resolve(relative).toString(), target.resolve(relative).normalize().toString(), null);
        } catch (InvalidPathException x) {
            return Located.unresolved("its path cannot be named on this host: " + x.getReason());
        }
    }

    private static List<String> names(Set<Capability> caps) {
        return caps.stream().map(Capability::capName).toList();
    }
}
