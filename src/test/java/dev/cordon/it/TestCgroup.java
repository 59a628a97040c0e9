package dev.cordon.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A cgroup2 directory a test makes for {@code cordon guard} to protect (as a deploy system would),
 * with shells placed in it. Closing kills what runs inside and removes it, children first.
 */
final class TestCgroup implements AutoCloseable {
    private final Path path;
    private final List<CgroupShell> shells = new ArrayList<>();

    private TestCgroup(Path path) {
        this.path = path;
    }

    /** {@code <cgroup2 root>/guard-it-<hex>}: not named like a session, so nothing mistakes it for cordon's. */
    static TestCgroup create(Path cgroupRoot) {
        byte[] rnd = new byte[4];
        ThreadLocalRandom.current().nextBytes(rnd);
        Path p = cgroupRoot.resolve("guard-it-" + HexFormat.of().formatHex(rnd));
        try {
            Files.createDirectory(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the test's cgroup " + p, e);
        }
        return new TestCgroup(p);
    }

    Path path() {
        return path;
    }

    /** A child cgroup, made now: a task of the guarded cgroup. */
    Path child(String name) {
        try {
            return Files.createDirectories(path.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A shell already running in {@code cgroup} (this one or a child), working in {@code dir}. */
    CgroupShell shell(Path cgroup, Path dir) {
        CgroupShell s = CgroupShell.start(cgroup, dir);
        shells.add(s);
        return s;
    }

    @Override
    public void close() throws IOException {
        for (CgroupShell s : shells) s.close();
        if (!Files.isDirectory(path)) return;
        Files.writeString(path.resolve("cgroup.kill"), "1", StandardCharsets.US_ASCII);
        Await.require(java.time.Duration.ofSeconds(10), "the test cgroup to empty", () -> !HostState.populated(path), null);
        List<Path> dirs;
        try (Stream<Path> s = Files.walk(path)) {
            dirs = s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
        }
        for (Path d : dirs) {
            Await.require(java.time.Duration.ofSeconds(5), "rmdir " + d, () -> {
                try {
                    Files.deleteIfExists(d);
                    return true;
                } catch (IOException e) {
                    return false; // EBUSY while the last task is torn down
                }
            }, null);
        }
    }
}
