package dev.cordon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every query is named with the process that sent it, keyed in the kernel by (client source
 * port, transaction id): two processes racing with the same id, a process that exits right after
 * sending, and nested shells each get their own pid and command line.
 */
class DnsAttributionIT {
    @TempDir
    static Path worldDir;
    @TempDir
    static Path scripts;
    @TempDir
    Path dir;
    static DnsWorld world;

    @BeforeAll
    static void start() throws IOException {
        world = DnsWorld.start(worldDir);
        for (String s : List.of("dnslib.py", "ask.py", "race.py", "fire.py")) Host.script(scripts, s);
    }

    @AfterAll
    static void stop() {
        if (world != null) world.close();
    }

    private GuardedRun cordon() {
        return world.cordon(dir).opt("--deny", "blocked.test");
    }

    @Test
    void twoProcessesSendingTheSameTransactionIdAtOnceAreEachNamed() {
        int rounds = 10;
        GuardedRun.Result r = cordon().run("/usr/bin/python3", scripts.resolve("race.py").toString(), Integer.toString(rounds));

        assertThat(r.exit()).as(r.toString()).isZero();
        Pattern p = Pattern.compile("(?m)^(\\S+) pid=(\\d+) port=(\\d+) (\\S+) id=(\\d+)$");
        Matcher m = p.matcher(r.out());
        List<String> seen = new ArrayList<>();
        while (m.find()) {
            String name = m.group(1);
            seen.add(name);
            assertThat(m.group(4)).as(name).isEqualTo("NXDOMAIN");
            assertThat(Integer.parseInt(m.group(5))).as("the id is kept").isEqualTo(0x4242);
            List<ViolationLine> lines = r.dns("BLOCKED", name + ".");
            assertThat(lines).as("line for %s in\n%s", name, r).hasSize(1);
            assertThat(lines.getFirst().get("pid")).as("pid of %s", name).isEqualTo(m.group(2));
            assertThat(lines.getFirst().get("cmd")).isEqualTo("/usr/bin/python3 " + scripts.resolve("ask.py") + " " + name + " 0x4242");
        }
        assertThat(seen).as(r.toString()).hasSize(2 * rounds);
        assertThat(r.lines("DNS", "BLOCKED")).hasSize(2 * rounds);
    }

    @Test
    void aProcessThatExitsRightAfterItsQueryIsStillNamedByItsCommandLine() throws IOException {
        int n = 10;
        Path fire = scripts.resolve("fire.py");
        Path events = dir.resolve("events.jsonl");
        // the final dig is answered only after the proxy has read every earlier datagram
        GuardedRun.Result r = cordon().opt("--events", events.toString()).sh("""
                i=0
                while [ $i -lt %d ]; do /usr/bin/python3 %s gone$i.blocked.test; i=$((i+1)); done
                dig +short +tries=1 +time=5 @127.0.0.53 last.blocked.test > /dev/null
                """.formatted(n, fire));

        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> pids = r.out().lines().filter(l -> l.matches("\\d+")).toList();
        assertThat(pids).hasSize(n);
        for (int i = 0; i < n; i++) {
            String name = "gone" + i + ".blocked.test.";
            List<ViolationLine> lines = r.dns("BLOCKED", name);
            assertThat(lines).as("line for %s in\n%s", name, r).hasSize(1);
            assertThat(lines.getFirst().get("pid")).isEqualTo(pids.get(i));
            assertThat(lines.getFirst().get("cmd")).as("argv captured at exec, not comm")
                    .isEqualTo("/usr/bin/python3 " + fire + " gone" + i + ".blocked.test");
        }
        // the command line came from the kernel's exec capture, not from /proc of a process that may be gone
        List<String> dnsEvents = java.nio.file.Files.readAllLines(events).stream()
                .filter(l -> l.contains("\"type\":\"dns\"") && l.contains(".blocked.test.\"") && l.contains("\"domain\":\"gone")).toList();
        assertThat(dnsEvents).hasSize(n).allSatisfy(l -> assertThat(l).contains("\"cmdSource\":\"exec\""));
    }

    @Test
    void nestedShellsAndBackgroundChildrenAreEachNamed() {
        GuardedRun.Result r = cordon().sh("""
                sh -c 'echo "inner=$$"; exec dig +tries=1 +time=5 @127.0.0.53 inner.blocked.test > /dev/null'
                ( sh -c 'echo "bg=$$"; exec dig +tcp +tries=1 +time=5 @127.0.0.53 background.blocked.test > /dev/null' ) &
                wait
                """);

        assertThat(r.exit()).as(r.toString()).isZero();
        String inner = r.out().lines().filter(l -> l.startsWith("inner=")).findFirst().orElseThrow().substring(6);
        String bg = r.out().lines().filter(l -> l.startsWith("bg=")).findFirst().orElseThrow().substring(3);
        ViolationLine i = r.dns("BLOCKED", "inner.blocked.test.").getFirst();
        assertThat(i.get("pid")).isEqualTo(inner);
        assertThat(i.get("cmd")).isEqualTo("dig +tries=1 +time=5 @127.0.0.53 inner.blocked.test");
        ViolationLine b = r.dns("BLOCKED", "background.blocked.test.").getFirst();
        assertThat(b.get("pid")).isEqualTo(bg);
        assertThat(b.get("cmd")).isEqualTo("dig +tcp +tries=1 +time=5 @127.0.0.53 background.blocked.test");
    }
}
