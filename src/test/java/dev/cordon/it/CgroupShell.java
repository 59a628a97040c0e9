package dev.cordon.it;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A long-running {@code sh} placed in a cgroup before anything guards it, taking commands on its
 * stdin one at a time: what a deploy system's task looks like to {@code cordon guard}. Each
 * command's output and status go to files in the test's directory.
 */
final class CgroupShell implements AutoCloseable {
    /** What one command did, and how long it took from the test's side. */
    record Done(int status, String output, Duration took) {}

    private final Process process;
    private final OutputStream stdin;
    private final Path dir;
    private int next;

    private CgroupShell(Process process, Path dir) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.dir = dir;
    }

    static CgroupShell start(Path cgroup, Path dir) {
        try {
            Process p = new ProcessBuilder("sh", "-c", "echo $$ > \"$1\" && exec sh -s", "sh", cgroup.resolve("cgroup.procs").toString())
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("shell-" + cgroup.getFileName() + ".out").toFile())
                    .start();
            CgroupShell shell = new CgroupShell(p, dir);
            Await.require(Duration.ofSeconds(10), "the shell to join " + cgroup, () -> shell.in(cgroup) || !p.isAlive(), null);
            if (!p.isAlive()) throw new AssertionError("the shell for " + cgroup + " exited: " + p.exitValue());
            return shell;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean in(Path cgroup) {
        try {
            return Files.readAllLines(cgroup.resolve("cgroup.procs")).contains(Long.toString(process.pid()));
        } catch (IOException e) {
            return false;
        }
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Runs {@code command} in the shell and waits (bounded) for it to finish. */
    Done run(String command, Duration timeout) {
        int n = next++;
        Path out = dir.resolve("shell-" + pid() + "-" + n + ".out"), rc = dir.resolve("shell-" + pid() + "-" + n + ".rc");
        long start = System.nanoTime();
        try {
            stdin.write(("(" + command + ") > " + out + " 2>&1; echo $? > " + rc + ".tmp; mv " + rc + ".tmp " + rc + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the shell (pid " + pid() + ") is gone", e);
        }
        Await.require(timeout, "'" + command + "' in the shell", () -> Files.exists(rc) || !process.isAlive(), null);
        if (!Files.exists(rc)) throw new AssertionError("the shell exited before '" + command + "' finished");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        try {
            return new Done(Integer.parseInt(Files.readString(rc).strip()), Files.readString(out), took);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            stdin.close(); // end of input: the shell exits
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
