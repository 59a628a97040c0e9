package dev.cordon.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A temporary directory tree stands in for cgroupfs: a plain directory's inode number is its id the same way. */
class TaskNamesTest {
    @TempDir
    Path guarded;

    /** A clock the test moves: walks are due only when it says so. */
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private TaskNames names() throws IOException {
        return new TaskNames(guarded, TaskNames.MAX_DEPTH, TaskNames.MAX_ENTRIES, now::get);
    }

    private Path cgroup(String relative) throws IOException {
        Path dir = Files.createDirectories(guarded.resolve(relative));
        Files.writeString(dir.resolve("cgroup.procs"), ""); // control files sit beside the sub-cgroups
        return dir;
    }

    private static long id(Path dir) throws IOException {
        return (Long) Files.getAttribute(dir, "unix:ino");
    }

    private void pastTheGap() {
        now.addAndGet(TaskNames.MIN_GAP_NS);
    }

    @Test
    void theGuardedCgroupItselfIsADot() throws IOException {
        assertThat(names().nameOf(id(guarded))).isEqualTo(".");
    }

    @Test
    void aDescendantIsItsPathRelativeToTheGuardedOne() throws IOException {
        Path ab = cgroup("a/b");
        TaskNames n = names();
        assertThat(n.nameOf(id(ab))).isEqualTo("a/b");
        assertThat(n.nameOf(id(guarded.resolve("a")))).isEqualTo("a");
    }

    @Test
    void aSystemdUnitNamesEverythingBelowIt() throws IOException {
        Path payload = cgroup("deploy@42.service/payload");
        Path nested = cgroup("deploy.slice/deploy-web.slice/web@7.service/worker/1");
        TaskNames n = names();
        assertThat(n.nameOf(id(guarded.resolve("deploy@42.service")))).isEqualTo("deploy@42.service");
        assertThat(n.nameOf(id(payload))).isEqualTo("deploy@42.service");
        assertThat(n.nameOf(id(nested))).as("the deepest unit, not the slices filing it").isEqualTo("web@7.service");
        assertThat(n.nameOf(id(guarded.resolve("deploy.slice/deploy-web.slice")))).isEqualTo("deploy-web.slice");
    }

    @Test
    void unitTypesAreThoseWithACgroup() {
        assertThat(List.of("a.service", "run-r1.scope", "user.slice", "sshd.socket", "home.mount", "dev-sda2.swap"))
                .allMatch(TaskNames::isUnit);
        assertThat(List.of("a.timer", "multi-user.target", "dev-sda.device", "service", ".service", "a.services", "task-1"))
                .noneMatch(TaskNames::isUnit);
    }

    @Test
    void aCgroupCreatedAfterTheFirstWalkIsFoundByTheNextOne() throws IOException {
        TaskNames n = names();
        Path fresh = cgroup("task-2");
        pastTheGap();
        assertThat(n.nameOf(id(fresh))).isEqualTo("task-2");
        assertThat(n.walks()).isEqualTo(2);
        assertThat(n.nameOf(id(fresh))).as("remembered").isEqualTo("task-2");
        assertThat(n.walks()).isEqualTo(2);
    }

    @Test
    void unknownIdsWalkAtMostOncePerGapAndGetAStableFallback() throws IOException {
        TaskNames n = names();
        for (long unknown = 1; unknown <= 10_000; unknown++) {
            assertThat(n.nameOf(-unknown)).isEqualTo("cgroup:" + Long.toUnsignedString(-unknown));
        }
        assertThat(n.walks()).as("only the first walk: the clock has not moved").isEqualTo(1);
        pastTheGap();
        assertThat(n.nameOf(-1)).isEqualTo("cgroup:18446744073709551615");
        assertThat(n.nameOf(-2)).isEqualTo("cgroup:18446744073709551614");
        assertThat(n.walks()).isEqualTo(2);
    }

    @Test
    void aSlowWalkPushesTheNextOneFurtherOff() throws IOException {
        long walkTakes = 3 * TaskNames.MIN_GAP_NS;
        AtomicLong reads = new AtomicLong();
        // Each read of the clock moves it walkTakes on. The first walk reads 0 and walkTakes, so the
        // next is due COST_FACTOR walks after it ended, at (1 + COST_FACTOR) x walkTakes, where the
        // gap alone would allow it at once. Each nameOf without a walk reads the clock once: 2, 3, ...
        TaskNames n = new TaskNames(guarded, TaskNames.MAX_DEPTH, TaskNames.MAX_ENTRIES,
                () -> reads.getAndIncrement() * walkTakes);
        for (int read = 2; read < 1 + TaskNames.COST_FACTOR; read++) {
            assertThat(n.nameOf(12345)).isEqualTo("cgroup:12345");
            assertThat(n.walks()).as("clock at %d walks", read).isEqualTo(1);
        }
        n.nameOf(12345);
        assertThat(n.walks()).isEqualTo(2);
    }

    @Test
    void aRemovedCgroupKeepsItsName() throws IOException {
        Path gone = cgroup("task-1");
        long id = id(gone);
        TaskNames n = names();
        Files.delete(gone.resolve("cgroup.procs"));
        Files.delete(gone);
        pastTheGap();
        n.nameOf(424242); // a walk that no longer sees it
        assertThat(n.nameOf(id)).isEqualTo("task-1");
    }

    @Test
    void theWalkIsBoundedInDepthAndEntries() throws IOException {
        Path deep = cgroup("a/b/c/d");
        TaskNames shallow = new TaskNames(guarded, 2, TaskNames.MAX_ENTRIES, now::get);
        assertThat(shallow.nameOf(id(guarded.resolve("a/b")))).isEqualTo("a/b");
        assertThat(shallow.nameOf(id(guarded.resolve("a/b/c")))).isEqualTo("cgroup:" + id(guarded.resolve("a/b/c")));

        for (int i = 0; i < 50; i++) cgroup("wide/t" + i);
        TaskNames small = new TaskNames(guarded, TaskNames.MAX_DEPTH, 20, now::get);
        assertThat(small.nameOf(id(guarded.resolve("a")))).as("breadth first: the top level is seen").isEqualTo("a");
        assertThat(small.nameOf(id(deep))).startsWith("cgroup:");
    }

    @Test
    void linksAndFilesAreNotCgroups() throws IOException {
        Path real = cgroup("real");
        Files.createSymbolicLink(guarded.resolve("link"), real);
        TaskNames n = names();
        assertThat(n.nameOf(id(real))).isEqualTo("real");
        assertThat(n.nameOf(id(guarded.resolve("real/cgroup.procs")))).startsWith("cgroup:");
    }

    @Test
    void hostileDirectoryNamesAreKeptAsTheyAre() throws IOException {
        // a cgroup name may hold anything but '/' and NUL: escaping is the printer's job
        Path evil = cgroup("x\u001b[31m\nWARN fake=\"1\".service");
        assertThat(names().nameOf(id(evil))).isEqualTo("x\u001b[31m\nWARN fake=\"1\".service");
    }

    @Test
    void theGuardedPathMustBeADirectory() throws IOException {
        Path file = Files.writeString(guarded.resolve("file"), "");
        assertThatThrownBy(() -> new TaskNames(file)).isInstanceOf(NotDirectoryException.class);
        assertThatThrownBy(() -> new TaskNames(guarded.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void manyThreadsAgree() throws Exception {
        List<Path> tasks = new ArrayList<>();
        for (int i = 0; i < 20; i++) tasks.add(cgroup("t" + i + ".service/payload"));
        TaskNames n = new TaskNames(guarded);
        List<Callable<Boolean>> work = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            work.add(() -> {
                for (int round = 0; round < 200; round++) {
                    for (int i = 0; i < tasks.size(); i++) {
                        if (!n.nameOf(id(tasks.get(i))).equals("t" + i + ".service")) return false;
                    }
                    n.nameOf(-round); // unknown: may walk, under the same lock
                }
                return true;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (Future<Boolean> f : pool.invokeAll(work)) assertThat(f.get()).isTrue();
        }
    }
}
