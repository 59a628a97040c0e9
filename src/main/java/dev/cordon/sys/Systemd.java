package dev.cordon.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What cordon asks systemd: whether it runs the host, and which cgroup a unit or slice has. */
public final class Systemd {
    /** sd_booted(3)'s test: systemd as PID 1 makes this directory early in boot. */
    public static final Path RUNTIME_DIR = Path.of("/run/systemd/system");

    /** Runs a command and returns its stdout, or throws with what went wrong. */
    public interface Runner {
        String run(List<String> argv) throws IOException;
    }

    private final Path runtimeDir;
    private final Runner runner;

    public Systemd(Path runtimeDir, Runner runner) {
        this.runtimeDir = runtimeDir;
        this.runner = runner;
    }

    public static Systemd host() {
        return new Systemd(RUNTIME_DIR, Systemd::exec);
    }

    public boolean booted() {
        return Files.isDirectory(runtimeDir);
    }

    /**
     * The unit's cgroup relative to the cgroup2 root, as systemd names it ({@code /system.slice/x.service}).
     *
     * @throws IllegalStateException with a sentence for the user: not systemd, no such unit, no cgroup yet
     */
    public String controlGroup(String unit) {
        if (!booted()) {
            throw new IllegalStateException("--unit needs systemd as PID 1, and this host's PID 1 is " + pid1()
                    + " (no " + runtimeDir + "); give the cgroup itself with --cgroup PATH");
        }
        if (unit.isBlank() || unit.startsWith("-") || unit.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            throw new IllegalStateException("'" + unit + "' is not a unit name");
        }
        String out;
        try {
            out = runner.run(List.of("systemctl", "show", "--property=ControlGroup", "--value", "--", unit)).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot ask systemd for the cgroup of " + unit + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("systemd knows no cgroup for " + unit + ": it is not running (a slice has one once a "
                    + "unit runs in it); start it first, or give --cgroup PATH");
        }
        return out;
    }

    private static String pid1() {
        try {
            return Files.readString(Path.of("/proc/1/comm")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String exec(List<String> argv) throws IOException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // a line: systemctl closes it on exit
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + " did not answer in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) throw new IOException("systemctl exited " + p.exitValue() + ": " + out.strip());
        return out;
    }
}
