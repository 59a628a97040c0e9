package dev.cordon.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which script line each process is named by: announced by bash before the exec, else inherited. */
class ProcessTableScriptLineTest {
    @TempDir
    Path proc;

    private static ProcessRef ref(int pid, String comm) {
        return new ProcessRef(pid, pid, comm, 1L);
    }

    private static ExecEvent exec(int pid, int ppid, String... argv) {
        return new ExecEvent(0L, ref(pid, argv[0]), ppid, List.of(argv), false, null, null);
    }

    private static ScriptLineEvent announced(int pid, ScriptLine line) {
        return new ScriptLineEvent(0L, ref(pid, "bash"), line);
    }

    private void stat(int pid, int ppid) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(dir.resolve("stat"), pid + " (ba sh) S " + ppid + " " + pid + " 0 0 -1 4194304\n");
        Files.write(dir.resolve("cmdline"), "bash\0./deploy.sh\0".getBytes(StandardCharsets.UTF_8));
    }

    private ProcessTable table() {
        return new ProcessTable(64, null, proc);
    }

    @Test
    void theLineBashAnnouncedNamesTheExecThatFollows() {
        ProcessTable t = table();
        t.onExec(exec(10, 1, "bash", "./deploy.sh"));
        t.onScriptLine(announced(11, new ScriptLine("./deploy.sh", 9)));
        t.onExec(exec(11, 10, "curl", "https://github.com/"));
        assertThat(t.lookup(ref(11, "curl")).line()).hasToString("./deploy.sh:9");
        assertThat(t.lookup(ref(10, "bash")).line()).as("the script's own shell: nothing started it from a line").isNull();
    }

    @Test
    void aCommandAProgramStartsInheritsTheLineThatStartedTheProgram() {
        ProcessTable t = table();
        t.onExec(exec(10, 1, "bash", "./deploy.sh"));
        t.onScriptLine(announced(11, new ScriptLine("./deploy.sh", 11)));
        t.onExec(exec(11, 10, "xargs", "curl"));
        t.onExec(exec(12, 11, "curl", "x"));
        assertThat(t.lookup(ref(12, "curl")).line()).hasToString("./deploy.sh:11");
    }

    @Test
    void aBashStartedFromALineNamesItsCommandsFromThere() {
        ProcessTable t = table();
        t.onExec(exec(10, 1, "bash", "./ci.sh"));
        t.onScriptLine(announced(11, new ScriptLine("./ci.sh", 3)));
        t.onExec(exec(11, 10, "bash", "./deploy.sh"));
        t.onScriptLine(announced(12, ScriptLine.of(List.of(new ScriptLine("./deploy.sh", 12), new ScriptLine("./lib.sh", 6)))));
        t.onExec(exec(12, 11, "curl", "x"));
        assertThat(t.lookup(ref(12, "curl")).line()).hasToString("./ci.sh:3 > ./deploy.sh:12 > ./lib.sh:6");
    }

    @Test
    void anExecThatReplacesAShellKeepsItsLineAndBashsExecBuiltinExtendsIt() {
        ProcessTable t = table();
        t.onExec(exec(10, 1, "bash", "./deploy.sh"));
        t.onScriptLine(announced(11, new ScriptLine("./deploy.sh", 12)));
        t.onExec(exec(11, 10, "env", "bash", "/shims/python3"));
        t.onExec(exec(11, 10, "bash", "/shims/python3")); // env execs bash: no bash announced it
        assertThat(t.lookup(ref(11, "bash")).line()).hasToString("./deploy.sh:12");
        t.onScriptLine(announced(11, new ScriptLine("/shims/python3", 21))); // the shim's `exec python3`
        t.onExec(exec(11, 10, "python3", "-c", "x"));
        assertThat(t.lookup(ref(11, "python3")).line()).hasToString("./deploy.sh:12 > /shims/python3:21");
    }

    @Test
    void aForkThatNeverExecdIsLookedThroughToTheShellItCameFrom() throws IOException {
        ProcessTable t = table();
        t.onScriptLine(announced(10, new ScriptLine("./ci.sh", 3)));
        t.onExec(exec(10, 1, "bash", "./deploy.sh"));
        stat(20, 10); // a subshell of deploy.sh's bash: ( curl a; curl b )
        t.onScriptLine(announced(21, new ScriptLine("./deploy.sh", 8)));
        t.onExec(exec(21, 20, "curl", "a"));
        assertThat(t.lookup(ref(21, "curl")).line()).hasToString("./ci.sh:3 > ./deploy.sh:8");
        assertThat(t.lookup(ref(20, "bash")).line()).as("the subshell itself, through /proc").hasToString("./ci.sh:3");
    }

    @Test
    void aLineAnnouncedForAProcessThatEndedWithoutExecIsForgottenAndAReusedPidInheritsNothing() {
        ProcessTable t = table();
        t.onExec(exec(10, 1, "bash", "./deploy.sh"));
        t.onScriptLine(announced(11, new ScriptLine("./deploy.sh", 5)));
        t.onExit(11); // the exec failed and the child exited
        t.onExec(exec(11, 1, "other")); // pid 11 again, another process
        assertThat(t.lookup(ref(11, "other")).line()).isNull();

        t.onScriptLine(announced(12, new ScriptLine("./deploy.sh", 6)));
        t.onExec(exec(12, 10, "curl"));
        t.onExit(12);
        t.onExec(exec(12, 1, "again"));
        assertThat(t.lookup(ref(12, "again")).line()).as("not the line of the process that had pid 12 before").isNull();
    }
}
