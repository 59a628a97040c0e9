package dev.cordon.it;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One `bin/cordon` process started by a test: the real launcher, so a test runs what a user runs.
 * bin/cordon execs the JVM, so {@link #pid()} is cordon's own pid (which names its cgroup).
 * stdout and stderr are drained on their own threads; stdin is /dev/null.
 */
final class CordonProcess {
    /** How long a reader may still be busy after the process exited: longer means a leftover holds the pipe. */
    private static final Duration PIPE_GRACE = Duration.ofSeconds(5);

    private final List<String> args;
    private final Process process;
    private final long startNanos;
    private final StringBuffer out = new StringBuffer();
    private final StringBuffer err = new StringBuffer();
    private final Thread outReader;
    private final Thread errReader;
    private volatile long exitNanos;

    private CordonProcess(List<String> args, Process process, long startNanos) {
        this.args = List.copyOf(args);
        this.process = process;
        this.startNanos = startNanos;
        this.outReader = drain(process.getInputStream(), out, "stdout");
        this.errReader = drain(process.getErrorStream(), err, "stderr");
        process.onExit().thenRun(() -> exitNanos = System.nanoTime());
    }

    static CordonProcess start(Path launcher, Path workDir, List<String> args) {
        return start(launcher, workDir, java.util.Map.of(), args);
    }

    /** With extra environment variables for the launcher (e.g. CORDON_AOT_CACHE). */
    static CordonProcess start(Path launcher, Path workDir, java.util.Map<String, String> env, List<String> args) {
        return start(launcher, workDir, env, args, argv -> argv);
    }

    /**
     * @param wrap turns the launcher's argv into what is started (a {@link HostLayout}); it must exec
     *             the launcher in the end, so the pid stays cordon's
     */
    static CordonProcess start(Path launcher, Path workDir, java.util.Map<String, String> env, List<String> args,
                               java.util.function.UnaryOperator<List<String>> wrap) {
        List<String> argv = new ArrayList<>(args.size() + 1);
        argv.add(launcher.toString());
        argv.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(wrap.apply(argv))
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        long start = System.nanoTime();
        try {
            return new CordonProcess(args, pb.start(), start);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + launcher, e);
        }
    }

    private Thread drain(InputStream in, StringBuffer sink, String name) {
        return Thread.ofPlatform().daemon(true).name("cordon-" + process.pid() + "-" + name).start(() -> {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) sink.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // stream closed: the process is gone
            }
        });
    }

    long pid() {
        return process.pid();
    }

    List<String> args() {
        return args;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String stdoutSoFar() {
        return out.toString();
    }

    String stderrSoFar() {
        return err.toString();
    }

    /** Sends {@code signal} (e.g. "TERM") to cordon itself. */
    void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(pid())).redirectErrorStream(true).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -s " + signal + " " + pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Waits (bounded) for cordon to exit and for its output to end. Fails the test on timeout. */
    CordonResult await(Duration timeout) {
        boolean exited;
        try {
            exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for cordon", e);
        }
        if (!exited) {
            throw new AssertionError("cordon did not exit within " + timeout.toMillis() + " ms (left for cleanup)\n" + snapshot(-1));
        }
        long end = System.nanoTime();
        try {
            outReader.join(PIPE_GRACE);
            errReader.join(PIPE_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        CordonResult r = snapshot(process.exitValue(), end);
        if (outReader.isAlive() || errReader.isAlive()) {
            throw new AssertionError("cordon exited but its stdout/stderr stayed open " + PIPE_GRACE.toMillis()
                    + " ms later: a process of the session outlived it\n" + r);
        }
        return r;
    }

    private CordonResult snapshot(int exitCode) {
        return snapshot(exitCode, System.nanoTime());
    }

    private CordonResult snapshot(int exitCode, long fallbackEnd) {
        long end = exitNanos != 0 ? exitNanos : fallbackEnd;
        return new CordonResult(args, pid(), exitCode, out.toString(), err.toString(), Duration.ofNanos(end - startNanos));
    }

    /**
     * Stops a cordon a test left running: SIGTERM (forwarded to the command), then a second SIGTERM
     * (cordon kills the session and cleans up), then SIGKILL. @return what it took, for the report
     */
    String stop(Duration eachStep) {
        if (!process.isAlive()) return "";
        String[] steps = {"TERM", "TERM"};
        for (String s : steps) {
            try {
                signal(s);
            } catch (AssertionError e) {
                if (!process.isAlive()) return "exited on its own";
            }
            try {
                if (process.waitFor(eachStep.toMillis(), TimeUnit.MILLISECONDS)) return "stopped by SIG" + s;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        process.destroyForcibly();
        try {
            process.waitFor(eachStep.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "needed SIGKILL (cordon ignored two SIGTERMs)";
    }

    @Override
    public String toString() {
        return snapshot(process.isAlive() ? -1 : process.exitValue()).toString();
    }
}
