package dev.cordon.events;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessTableTest {
    @TempDir
    Path proc;

    @BeforeEach
    void procLooksReal() throws IOException {
        // an unrelated entry, so an empty fake /proc is not what makes lookups fall through
        writeCmdline(1, "init\0");
    }

    private void writeCmdline(int pid, String nulSeparated) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.write(dir.resolve("cmdline"), nulSeparated.getBytes(StandardCharsets.UTF_8));
    }

    private static ProcessRef ref(int pid, String comm) {
        return new ProcessRef(pid, pid + 1, comm, 1234L);
    }

    private static ExecEvent exec(int pid, int ppid, String comm, String... argv) {
        return new ExecEvent(0L, ref(pid, comm), ppid, List.of(argv), false);
    }

    @Test
    void execCapturedArgvWins() throws IOException {
        writeCmdline(100, "from-proc\0");
        ProcessTable t = new ProcessTable(16, null, proc);
        t.onExec(exec(100, 99, "curl", "curl", "-sS", "http://x/"));
        ProcessTable.Attribution a = t.lookup(ref(100, "curl"));
        assertThat(a.source()).isEqualTo(ProcessTable.Source.EXEC);
        assertThat(a.argv()).containsExactly("curl", "-sS", "http://x/");
        assertThat(a.commandLine()).isEqualTo("curl -sS http://x/");
        assertThat(a.ppid()).isEqualTo(99);
        assertThat(a.pid()).isEqualTo(100);
    }

    @Test
    void execWithoutArgvFallsBackToComm() {
        ProcessTable t = new ProcessTable(16, null, proc);
        t.onExec(exec(100, 99, "weird"));
        ProcessTable.Attribution a = t.lookup(ref(100, "weird"));
        assertThat(a.source()).isEqualTo(ProcessTable.Source.EXEC);
        assertThat(a.argv()).containsExactly("weird");
    }

    @Test
    void laterExecReplacesEarlierAttribution() throws IOException {
        writeCmdline(100, "sh\0-c\0exec curl x\0");
        ProcessTable t = new ProcessTable(16, null, proc);
        assertThat(t.lookup(ref(100, "sh")).source()).isEqualTo(ProcessTable.Source.PROC);
        t.onExec(exec(100, 99, "curl", "curl", "x"));
        assertThat(t.lookup(ref(100, "curl")).argv()).containsExactly("curl", "x");
        t.onExec(exec(100, 99, "true", "true"));
        assertThat(t.lookup(ref(100, "true")).argv()).containsExactly("true");
    }

    @Test
    void fallsBackToProcCmdline() throws IOException {
        writeCmdline(200, "python3\0-c\0print(1)\0");
        ProcessTable t = new ProcessTable(16, null, proc);
        ProcessTable.Attribution a = t.lookup(ref(200, "python3"));
        assertThat(a.source()).isEqualTo(ProcessTable.Source.PROC);
        assertThat(a.argv()).containsExactly("python3", "-c", "print(1)");
        assertThat(a.ppid()).isZero();
    }

    @Test
    void procAttributionIsRememberedAfterTheProcessIsGone() throws IOException {
        writeCmdline(200, "nc\0host\0");
        ProcessTable t = new ProcessTable(16, null, proc);
        assertThat(t.lookup(ref(200, "nc")).source()).isEqualTo(ProcessTable.Source.PROC);
        Files.delete(proc.resolve("200/cmdline"));
        ProcessTable.Attribution again = t.lookup(ref(200, "nc"));
        assertThat(again.source()).isEqualTo(ProcessTable.Source.PROC);
        assertThat(again.argv()).containsExactly("nc", "host");
    }

    @Test
    void fallsBackToCommWhenProcHasNothing() throws IOException {
        ProcessTable t = new ProcessTable(16, null, proc);
        ProcessTable.Attribution gone = t.lookup(ref(300, "short-lived"));
        assertThat(gone.source()).isEqualTo(ProcessTable.Source.COMM);
        assertThat(gone.argv()).containsExactly("short-lived");
        assertThat(gone.commandLine()).isEqualTo("short-lived");

        writeCmdline(301, ""); // a zombie or kernel thread: cmdline exists but is empty
        assertThat(t.lookup(ref(301, "zombie")).source()).isEqualTo(ProcessTable.Source.COMM);
    }

    @Test
    void commFallbackIsNotCachedSoALaterLookupCanDoBetter() throws IOException {
        ProcessTable t = new ProcessTable(16, null, proc);
        assertThat(t.lookup(ref(300, "x")).source()).isEqualTo(ProcessTable.Source.COMM);
        writeCmdline(300, "x\0--flag\0");
        assertThat(t.lookup(ref(300, "x")).argv()).containsExactly("x", "--flag");
    }

    @Test
    void capacityBoundEvictsTheOldest() {
        ProcessTable t = new ProcessTable(2, null, proc);
        t.onExec(exec(1001, 1, "a", "a"));
        t.onExec(exec(1002, 1, "b", "b"));
        t.onExec(exec(1003, 1, "c", "c"));
        // 1001 was evicted: nothing in the (fake) /proc for it, so comm is all that is left
        assertThat(t.lookup(ref(1001, "a-comm")).source()).isEqualTo(ProcessTable.Source.COMM);
        assertThat(t.lookup(ref(1002, "b")).source()).isEqualTo(ProcessTable.Source.EXEC);
        assertThat(t.lookup(ref(1003, "c")).source()).isEqualTo(ProcessTable.Source.EXEC);
    }

    @Test
    void recentlyLookedUpEntriesSurviveEviction() {
        ProcessTable t = new ProcessTable(2, null, proc);
        t.onExec(exec(1001, 1, "a", "a"));
        t.onExec(exec(1002, 1, "b", "b"));
        t.lookup(ref(1001, "a")); // 1001 is now the most recently used
        t.onExec(exec(1003, 1, "c", "c"));
        assertThat(t.lookup(ref(1001, "a")).source()).isEqualTo(ProcessTable.Source.EXEC);
        assertThat(t.lookup(ref(1002, "b")).source()).isEqualTo(ProcessTable.Source.COMM);
    }

    @Test
    void procEntriesCountTowardsCapacity() throws IOException {
        writeCmdline(2001, "p1\0");
        writeCmdline(2002, "p2\0");
        ProcessTable t = new ProcessTable(1, null, proc);
        assertThat(t.lookup(ref(2001, "p1")).source()).isEqualTo(ProcessTable.Source.PROC);
        assertThat(t.lookup(ref(2002, "p2")).source()).isEqualTo(ProcessTable.Source.PROC);
        Files.delete(proc.resolve("2001/cmdline"));
        assertThat(t.lookup(ref(2001, "p1")).source()).isEqualTo(ProcessTable.Source.COMM);
    }

    // --- splitArgs

    private static List<String> split(String s) {
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        return ProcessTable.splitArgs(raw, raw.length);
    }

    @Test
    void splitArgsWithTrailingNul() {
        assertThat(split("curl\0-sS\0http://x/\0")).containsExactly("curl", "-sS", "http://x/");
    }

    @Test
    void splitArgsWithoutTrailingNul() {
        assertThat(split("curl\0-sS\0http://x/")).containsExactly("curl", "-sS", "http://x/");
        assertThat(split("single")).containsExactly("single");
    }

    @Test
    void splitArgsKeepsEmptyArguments() {
        assertThat(split("printf\0\0x\0")).containsExactly("printf", "", "x");
        assertThat(split("a\0\0")).containsExactly("a", "");
        assertThat(split("\0")).containsExactly("");
    }

    @Test
    void splitArgsOfNothingIsEmpty() {
        assertThat(split("")).isEmpty();
        assertThat(ProcessTable.splitArgs(new byte[8], 0)).isEmpty();
    }

    @Test
    void splitArgsHonoursTheLength() {
        byte[] raw = "ab\0cd\0ef\0".getBytes(StandardCharsets.US_ASCII);
        assertThat(ProcessTable.splitArgs(raw, 5)).containsExactly("ab", "cd");
        assertThat(ProcessTable.splitArgs(raw, 6)).containsExactly("ab", "cd");
        assertThat(ProcessTable.splitArgs(raw, 4)).containsExactly("ab", "c");
    }

    @Test
    void splitArgsDecodesUtf8AndReplacesBadBytes() {
        assertThat(split("café\0日本\0")).containsExactly("café", "日本");
        byte[] bad = {'a', (byte) 0xff, 0, 'b'};
        assertThat(ProcessTable.splitArgs(bad, bad.length)).containsExactly("a\ufffd", "b");
    }

    @Test
    void aGoneForkThatNeverExecdRunsItsParentsCommandLine() throws IOException {
        ProcessTable t = new ProcessTable(16, null, proc);
        t.onExec(exec(200, 1, "bash", "bash", "deploy.sh"));
        writeCmdline(202, "alive-fork\0");

        ProcessTable.Attribution gone = t.lookup(ref(201, "bash"), 200);
        assertThat(gone.argv()).containsExactly("bash", "deploy.sh");
        assertThat(gone.source()).isEqualTo(ProcessTable.Source.PARENT);
        assertThat(gone.ppid()).isEqualTo(200);
        assertThat(t.lookup(ref(202, "bash"), 200).source()).as("/proc first while it exists").isEqualTo(ProcessTable.Source.PROC);
        ProcessTable.Attribution orphan = t.lookup(ref(203, "bash"), 999);
        assertThat(orphan.source()).as("no parent seen: comm").isEqualTo(ProcessTable.Source.COMM);
        assertThat(orphan.ppid()).isEqualTo(999);
    }

    // --- tasks

    @Test
    void withoutTaskNamesThereIsNoTask() {
        ProcessTable t = new ProcessTable(16, null, proc);
        t.onExec(exec(100, 99, "curl", "curl", "x"));
        assertThat(t.lookup(ref(100, "curl")).task()).isNull();
        assertThat(t.lookup(ref(101, "gone"), 100).task()).isNull();
        assertThat(t.task(ref(100, "curl"))).isNull();
    }

    @Test
    void theTaskComesFromTheEventsCgroupNotFromTheExec(@TempDir Path guarded) throws IOException {
        long first = (Long) Files.getAttribute(Files.createDirectories(guarded.resolve("deploy@41.service/payload")), "unix:ino");
        long second = (Long) Files.getAttribute(Files.createDirectories(guarded.resolve("deploy@42.service")), "unix:ino");
        ProcessTable t = new ProcessTable(16, new TaskNames(guarded), proc);
        t.onExec(new ExecEvent(0L, new ProcessRef(100, 100, "curl", first), 99, List.of("curl", "x"), false));

        ProcessTable.Attribution before = t.lookup(new ProcessRef(100, 100, "curl", first));
        assertThat(before.task()).isEqualTo("deploy@41.service");
        assertThat(before.argv()).containsExactly("curl", "x");
        // moved to another unit's cgroup: same command line, the new task
        assertThat(t.lookup(new ProcessRef(100, 100, "curl", second)).task()).isEqualTo("deploy@42.service");
        ProcessTable.Attribution fork = t.lookup(new ProcessRef(101, 101, "curl", second), 100);
        assertThat(fork.source()).isEqualTo(ProcessTable.Source.PARENT);
        assertThat(fork.task()).isEqualTo("deploy@42.service");
        assertThat(t.task(new ProcessRef(102, 102, "x", 77L))).isEqualTo("cgroup:77");
    }
}
