package dev.cordon.session;

import dev.cordon.sys.Libc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The existing cgroup2 directory a {@code cordon guard} protects, opened for attaching. Never the
 * root (that would guard every daemon of the host, cordon's own proxy included), never one that
 * holds cordon itself (the proxy would answer its own upstream queries). Closing only closes the
 * descriptor: the cgroup and its processes are not cordon's.
 */
public final class GuardedCgroup implements AutoCloseable {
    private final Path path;
    private final int fd;
    private final boolean created;

    private GuardedCgroup(Path path, int fd, boolean created) {
        this.path = path;
        this.fd = fd;
        this.created = created;
    }

    /**
     * @param given     an absolute path below the cgroup2 mount, or one relative to it ({@code deploy/jobs})
     * @param create    make it (and missing parents) when it does not exist
     * @param ownCgroup this process's cgroup2 path relative to the root, from /proc/self/cgroup's {@code 0::} line
     */
    public static GuardedCgroup open(Path root, String given, boolean create, Optional<String> ownCgroup) {
        Path path = resolve(root, given);
        boolean made = false;
        if (!Files.isDirectory(path)) {
            if (!create) throw new CordonException("no cgroup " + path + "; make it first, or add --create");
            try {
                Files.createDirectories(path);
                made = true;
            } catch (IOException e) {
                throw new CordonException("cannot create cgroup " + path + ": " + e.getMessage(), e);
            }
        }
        try {
            return open(path, made, ownCgroup.map(own -> root.resolve(own.replaceFirst("^/+", "")).normalize()));
        } catch (RuntimeException e) {
            if (made) removeQuietly(path);
            throw e;
        }
    }

    private static GuardedCgroup open(Path path, boolean made, Optional<Path> own) {
        if (!Files.exists(path.resolve("cgroup.procs"))) {
            throw new CordonException(path + " is a directory but not a cgroup (no cgroup.procs)");
        }
        own.filter(o -> o.startsWith(path)).ifPresent(o -> {
            throw new CordonException("cordon runs inside " + path + " (its own cgroup is " + o + "), so it would guard itself and "
                    + "its proxy would answer its own upstream queries; run cordon guard from outside the cgroup it guards "
                    + "(e.g. as its own systemd service)");
        });
        try {
            return new GuardedCgroup(path, Libc.openDirectory(path.toString()), made);
        } catch (Libc.ErrnoException e) {
            throw new CordonException("cannot open cgroup " + path + ": " + e.getMessage(), e);
        }
    }

    private static void removeQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // best effort on an error path
        }
    }

    /** {@code given} as an absolute, normal path strictly below {@code root}. */
    public static Path resolve(Path root, String given) {
        if (given.isBlank()) throw new CordonException("the cgroup path is empty");
        Path p = root.resolve(given).normalize(); // an absolute given stays as it is
        if (!p.startsWith(root)) {
            throw new CordonException(given + " is not below the cgroup2 mount " + root + "; give a path below it, or one relative "
                    + "to it such as deploy/jobs");
        }
        if (p.equals(root)) {
            throw new CordonException("cordon guard will not guard the root cgroup " + root + ": it holds every daemon of the host, "
                    + "cordon included; guard the cgroup your deploy tasks run in");
        }
        return p;
    }

    /** This process's cgroup2 path relative to the root: the {@code 0::} line of /proc/self/cgroup. */
    public static Optional<String> ownCgroup(List<String> procSelfCgroup) {
        return procSelfCgroup.stream().filter(l -> l.startsWith("0::")).map(l -> l.substring(3)).findFirst();
    }

    public Path path() {
        return path;
    }

    /** An fd of the directory, for attaching programs; valid until close. */
    public int fd() {
        return fd;
    }

    /** True when this guard made the directory (--create). It is left in place at the end all the same. */
    public boolean created() {
        return created;
    }

    /** The cgroup id (its inode number), as bpf_get_current_cgroup_id() reports it. */
    public long id() {
        try {
            return ((Number) Files.getAttribute(path, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new CordonException("cannot stat " + path, e);
        }
    }

    /** Processes in the cgroup and below it, now. */
    public int processCount() {
        return SessionGc.processCount(path);
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
