package dev.cordon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 100 000 queries for random names, at most 256 in flight, in enforce mode: once under a blocked
 * domain (blocklist), once simply not allowed (allowlist). Every query is answered NXDOMAIN, none
 * with an address (no fail-open), none is forwarded, the run ends in bounded time, cordon's peak
 * RSS (VmHWM of its JVM, read by the command from /proc/$PPID while cordon runs) stays under
 * {@link #MAX_HWM_MB}, stderr holds a bounded number of lines, and the events file keeps all.
 */
class FloodIT {
    static final int N = 100_000;
    /** The documented bound (README, "Floods"): peak RSS of the cordon JVM during a 100k-name flood. */
    static final long MAX_HWM_MB = 400;
    static final Duration MAX_RUN = Duration.ofSeconds(150);
    @TempDir
    static Path worldDir;
    @TempDir
    static Path scripts;
    @TempDir
    Path dir;
    static Dnsmasq dns;
    static Path flood;

    @BeforeAll
    static void start() throws IOException {
        Host.script(scripts, "dnslib.py");
        flood = Host.script(scripts, "floodnames.py");
        dns = new Dnsmasq().host("ok.internal", "127.0.34.1").start(worldDir);
    }

    @AfterAll
    static void stop() {
        if (dns != null) dns.close();
    }

    private GuardedRun.Result flood(GuardedRun run) {
        return run.timeout(MAX_RUN).sh("""
                echo "== flood"; /usr/bin/python3 %s %d flood.test 256 120
                echo "== cordon"; tr '\\0' ' ' < /proc/$PPID/cmdline; echo; grep -E '^Vm(HWM|RSS)' /proc/$PPID/status
                """.formatted(flood, N));
    }

    private static long kb(String section, String key) {
        Matcher m = Pattern.compile(key + ":\\s+(\\d+) kB").matcher(section);
        assertThat(m.find()).as(key + " in\n" + section).isTrue();
        return Long.parseLong(m.group(1));
    }

    private void assertHeld(GuardedRun.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        String out = r.section("flood");
        assertThat(out).as(r.toString()).contains("sent=" + N + " answered=" + N + " lost=0 addresses=0 rcode.NXDOMAIN=" + N + " ");
        String cordon = r.section("cordon");
        assertThat(cordon).as("the command's parent is cordon's JVM").contains("cordon.jar");
        long hwmMb = kb(cordon, "VmHWM") / 1024;
        System.err.println("[FloodIT] cordon VmHWM " + hwmMb + " MB, run " + r.elapsed().toMillis() + " ms; " + out);
        assertThat(hwmMb).as("cordon's peak RSS in MB").isLessThan(MAX_HWM_MB);
        assertThat(r.elapsed()).isLessThan(MAX_RUN);
        assertThat(r.lines("DNS", "BLOCKED")).as("stderr is coalesced").hasSizeBetween(1, 100);
        assertThat(r.err()).contains("line(s) not shown").contains("more attempts to destinations past the first 10000");
        assertThat(r.err().lines().count()).as("stderr lines").isLessThan(200);
        assertThat(dns.queriesSeen()).as("no flood name is forwarded").noneMatch(l -> l.contains(".flood.test"));
    }

    @Test
    void aFloodOfBlockedNamesIsAnsweredAtOnceInBoundedMemory() throws IOException {
        Path events = dir.resolve("events.jsonl");
        GuardedRun.Result r = flood(GuardedRun.cordon(dir, dns).opt("--deny", "flood.test", "--events", events.toString()));
        assertHeld(r);
        assertThat(r.lines("DNS", "BLOCKED")).allSatisfy(v -> assertThat(v.get("rule")).isEqualTo("flood.test"));
        long dnsRecords = 0;
        try (BufferedReader in = Files.newBufferedReader(events, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.contains("\"type\":\"dns\"") && line.contains("flood.test.")) dnsRecords++;
            }
        }
        assertThat(dnsRecords).as("the events file keeps every query").isEqualTo(N);
    }

    @Test
    void aFloodOfNamesAnAllowlistDoesNotListIsAnsweredAtOnceInBoundedMemory() {
        GuardedRun.Result r = flood(GuardedRun.cordon(dir, dns).opt("--default", "deny", "--allow", "ok.internal"));
        assertHeld(r);
        assertThat(r.lines("DNS", "BLOCKED")).allSatisfy(v -> assertThat(v.get("rule")).isEqualTo("default:deny"));
    }
}
