package dev.cordon.it;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How one `bin/cordon run ...` ended: exit code, what it printed, how long it took. */
record CordonResult(List<String> args, long pid, int exitCode, String stdout, String stderr, Duration elapsed) {
    private static final Pattern RESULT = Pattern.compile("^RESULT spec=(\\S+) op=(\\S+) errno=(-?\\d+) elapsed_us=(\\d+) strerror=(.*)$");

    List<String> stdoutLines() {
        return stdout.lines().toList();
    }

    List<String> stderrLines() {
        return stderr.lines().toList();
    }

    /** Every attempt line cordon printed on stderr (WARN for violations, INFO if ever printed for others). */
    List<LogLine> attemptLines() {
        return stderr.lines().filter(LogLine::looksLikeAttempt).map(LogLine::parse).toList();
    }

    List<LogLine> attemptLines(Predicate<LogLine> filter) {
        return attemptLines().stream().filter(filter).toList();
    }

    /** What netclient.py reported for {@code spec}. */
    ClientAttempt attempt(String spec) {
        for (String line : stdoutLines()) {
            Matcher m = RESULT.matcher(line);
            if (m.matches() && m.group(1).equals(spec)) {
                return new ClientAttempt(spec, m.group(2), Integer.parseInt(m.group(3)),
                        Duration.ofNanos(Long.parseLong(m.group(4)) * 1000), m.group(5));
            }
        }
        throw new AssertionError("netclient printed no RESULT for " + spec + "\n" + this);
    }

    /** Whether the reply to netclient.py's ICMP echo for {@code spec} came back; fails if it sent none. */
    boolean replied(String spec) {
        for (String line : stdoutLines()) {
            if (line.equals("REPLY spec=" + spec + " got=yes")) return true;
            if (line.equals("REPLY spec=" + spec + " got=no")) return false;
        }
        throw new AssertionError("netclient printed no REPLY for " + spec + " (no echo was sent)\n" + this);
    }

    /** The pid netclient.py printed (its own, inside the session). */
    long clientPid() {
        return stdoutLines().stream().filter(l -> l.startsWith("PID ")).map(l -> Long.parseLong(l.substring(4).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("netclient printed no PID\n" + this));
    }

    /** The cgroup v2 path netclient.py printed from /proc/self/cgroup. */
    Optional<String> clientCgroup() {
        return stdoutLines().stream().filter(l -> l.startsWith("CGROUP ")).map(l -> l.substring(7).trim()).findFirst();
    }

    /** The inode (cgroup id) of the cgroup netclient.py ran in, as it saw it through its own mount of cgroup2. */
    Optional<Long> clientCgroupId() {
        return stdoutLines().stream().filter(l -> l.startsWith("CGROUPID ")).map(l -> Long.parseLong(l.substring(9).trim())).findFirst();
    }

    record ClientAttempt(String spec, String op, int errno, Duration elapsed, String strerror) {
        boolean ok() {
            return errno == 0;
        }
    }

    @Override
    public String toString() {
        return "cordon " + String.join(" ", args) + "\n  pid=" + pid + " exit=" + exitCode + " elapsed=" + elapsed.toMillis() + "ms"
                + "\n  --- stdout ---\n" + indent(stdout) + "\n  --- stderr ---\n" + indent(stderr);
    }

    static String indent(String s) {
        return s.lines().map(l -> "  | " + l).reduce((a, b) -> a + "\n" + b).orElse("  | (empty)");
    }
}
