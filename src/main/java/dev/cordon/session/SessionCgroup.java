package dev.cordon.session;

import dev.cordon.sys.Libc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The session's own cgroup, directly below the cgroup2 root: {@code cordon-<cordon pid>-<random>}.
 * The name carries cordon's pid so a later {@code cordon gc} can tell whose it was. Closing kills
 * every process still in it (cgroup.kill) and removes it.
 */
public final class SessionCgroup implements AutoCloseable {
    public static final String PREFIX = "cordon-";

    private final Path path;
    private final int fd;
    private boolean closed;

    private SessionCgroup(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /** {@code cordon-<pid>-<hex>} names a session before anything of it exists (state, pins, cgroup). */
    public static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("cordon-(\\d{1,10})-[0-9a-f]{1,16}");

    /** A fresh session name for this process. */
    public static String newName() {
        byte[] rnd = new byte[4];
        ThreadLocalRandom.current().nextBytes(rnd);
        return PREFIX + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(rnd);
    }

    public static SessionCgroup create(Path cgroup2Root) {
        return create(cgroup2Root, newName());
    }

    /** A file-system exception's message is only its path: say what went wrong instead. */
    private static String why(IOException e, Path parent) {
        return switch (e) {
            case java.nio.file.NoSuchFileException x -> "no directory " + parent + " (is cgroup2 mounted there?)";
            case java.nio.file.AccessDeniedException x -> "permission denied";
            case java.nio.file.FileAlreadyExistsException x -> "it already exists";
            case java.nio.file.FileSystemException x when x.getReason() != null -> x.getReason();
            default -> String.valueOf(e.getMessage());
        };
    }

    public static SessionCgroup create(Path cgroup2Root, String name) {
        Path p = cgroup2Root.resolve(name);
        try {
            Files.createDirectory(p);
        } catch (IOException e) {
            throw new CordonException("cannot create cgroup " + p + ": " + why(e, cgroup2Root), e);
        }
        try {
            return new SessionCgroup(p, Libc.openDirectory(p.toString()));
        } catch (Libc.ErrnoException e) {
            removeQuietly(p);
            throw new CordonException("cannot open cgroup " + p + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    /** An fd of the cgroup directory, for attaching programs; valid until close. */
    public int fd() {
        return fd;
    }

    /** The cgroup id (its inode number), as bpf_get_current_cgroup_id() reports it. */
    public long id() {
        try {
            return ((Number) Files.getAttribute(path, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new CordonException("cannot stat " + path, e);
        }
    }

    public Path procsFile() {
        return path.resolve("cgroup.procs");
    }

    /** Pids in this cgroup (not its descendants). */
    public List<Long> pids() {
        try {
            return Files.readAllLines(procsFile()).stream().filter(s -> !s.isBlank()).map(Long::parseLong).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    public boolean populated() {
        try {
            for (String line : Files.readAllLines(path.resolve("cgroup.events"))) {
                if (line.startsWith("populated ")) return !line.endsWith(" 0");
            }
        } catch (IOException e) {
            return false; // gone
        }
        return false;
    }

    /** SIGKILLs every process in the cgroup and its descendants (cgroup.kill, Linux 5.14+). */
    public void killAll() {
        try {
            Files.writeString(path.resolve("cgroup.kill"), "1", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            // Older kernels: kill what we can see, one by one.
            for (long pid : pids()) {
                try {
                    Libc.kill((int) pid, Libc.SIGKILL);
                } catch (Libc.ErrnoException ignored) {
                    // gone already
                }
            }
        }
    }

    /** Waits (bounded) until no process is left; the kernel updates cgroup.events when the last one exits. */
    public boolean awaitEmpty(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMicros = 50;
        while (populated()) {
            if (System.nanoTime() > deadline) return false;
            java.util.concurrent.locks.LockSupport.parkNanos(pauseMicros * 1000);
            pauseMicros = Math.min(pauseMicros * 2, 20_000);
        }
        return true;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        killAll();
        boolean empty = awaitEmpty(Duration.ofSeconds(10));
        Libc.close(fd);
        if (!empty) throw new CordonException("processes in " + path + " did not exit after SIGKILL; cgroup left in place");
        // rmdir can briefly fail with EBUSY while the kernel finishes tearing the last task down.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            try {
                removeDescendants(path);
                Files.deleteIfExists(path);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) throw new CordonException("cannot remove cgroup " + path + ": " + e.getMessage(), e);
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
        }
    }

    /**
     * The command may create cgroups below its own (its cgroup namespace lets it); rmdir them
     * deepest first. They hold no process any more (cgroup.kill covered the whole subtree).
     */
    private static void removeDescendants(Path root) throws IOException {
        if (!Files.isDirectory(root)) return;
        List<Path> dirs;
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            dirs = s.filter(p -> !p.equals(root) && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .sorted(java.util.Comparator.comparingInt(Path::getNameCount).reversed()).toList();
        }
        for (Path d : dirs) Files.deleteIfExists(d);
    }

    private static void removeQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort on an error path
        }
    }
}
