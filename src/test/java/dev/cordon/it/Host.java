package dev.cordon.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Small host utilities for the DNS end-to-end tests: commands with a deadline, bounded waits, paths. */
final class Host {
    private Host() {}

    static final Path JDK = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    static Path cordonHome() {
        return Path.of(System.getProperty("cordon.home", System.getProperty("user.dir"))).toAbsolutePath();
    }

    /** The cgroup2 mount, from the mount table (hybrid hosts mount it at /sys/fs/cgroup/unified). */
    static Path cgroup2() {
        Path root = HostState.cgroup2Root();
        if (root == null) throw new IllegalStateException("no cgroup2 mount");
        return root;
    }

    record Out(int exit, String out, String err) {
        Out requireOk(String what) {
            if (exit != 0) throw new IllegalStateException(what + " failed (" + exit + "): " + out + err);
            return this;
        }
    }

    /** Runs a host command (never inside a session) and waits for it, bounded. */
    static Out run(Duration timeout, String... cmd) {
        try {
            Path out = Files.createTempFile("cordon-dnsit-", ".out");
            Path err = Files.createTempFile("cordon-dnsit-", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(out.toFile()).redirectError(err.toFile());
                pb.environment().put("PATH", PATH);
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    kill(p);
                    throw new IllegalStateException("timed out after " + timeout + ": " + String.join(" ", cmd));
                }
                return new Out(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Out run(String... cmd) {
        return run(Duration.ofSeconds(20), cmd);
    }

    /** SIGTERM, then SIGKILL after a bounded wait; the process's descendants too. */
    static void kill(Process p) {
        List<ProcessHandle> kids = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(3, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle k : kids) k.destroyForcibly();
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes. Never a bare sleep. */
    static boolean await(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMs = 5;
        while (true) {
            if (condition.getAsBoolean()) return true;
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            pauseMs = Math.min(pauseMs * 2, 100);
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Copies a test resource script into {@code dir}, executable. */
    static Path script(Path dir, String name) {
        try (var in = Host.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing test resource " + name);
            Path p = dir.resolve(name);
            Files.write(p, in.readAllBytes());
            p.toFile().setExecutable(true);
            return p;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
