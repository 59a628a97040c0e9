package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * --memory, --cpu and --pids on this machine's hybrid layout: cgroup v2 has none of these
 * controllers here, so cordon places the command in v1 cgroups of its own before it execs.
 */
class LimitsIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private List<String> python(String script, String... argv) {
        return args(List.of(kernel.netclient().getFirst(), "-c", script), List.of(argv));
    }

    @Test
    void aMemoryBreachIsAnOomKillInsideTheSessionAndCordonSaysSo() throws Exception {
        Path events = kernel.dir().resolve("events.jsonl");
        CordonResult r = kernel.run(args(List.of("run", "--no-dns-proxy", "--memory", "64M", "--events", events.toString(), "--"),
                python("b = bytearray(256 * 1024 * 1024); print('survived')")));

        assertThat(r.exitCode()).as("the command's own status: killed by SIGKILL\n%s", r).isEqualTo(137);
        assertThat(r.stdout()).doesNotContain("survived");
        assertThat(r.stderrLines()).as("%s", r).anyMatch(l -> l.startsWith("cordon: killed: memory limit 64M reached (1 process"));
        Map<String, String> end = JsonLines.ofType(JsonLines.read(events), "run-end").getFirst();
        assertThat(end.get("limits")).contains("\"memory\": \"64M\"").contains("\"oomKills\": 1");
        assertThat(end.get("commandStatus")).isEqualTo("137");
    }

    @Test
    void theCommandSeesItsOwnLimitAndCannotMoveOutOfIt() {
        String script = "echo $$ > /sys/fs/cgroup/memory/cgroup.procs; echo \"rc=$?\"; sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup; "
                + "cat /sys/fs/cgroup/memory/memory.limit_in_bytes";
        CordonResult r = kernel.run(List.of("run", "--no-dns-proxy", "--memory", "64M", "--", "sh", "-c", script));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdoutLines()).as("the root of its view is its own v1 cgroup, so 'moving' there stays put\n%s", r)
                .containsExactly("rc=0", "/", Long.toString(64L << 20));
    }

    @Test
    void aForkBombStopsAtThePidsLimitAndTheHostCanStillFork() throws IOException {
        Path release = kernel.dir().resolve("release");
        String bomb = """
                import errno, os, sys, time
                release, made, refused = sys.argv[1], 0, 0
                for _ in range(200):
                    try:
                        pid = os.fork()
                    except OSError as e:
                        if e.errno != errno.EAGAIN: raise
                        refused += 1
                        continue
                    if pid == 0:
                        while not os.path.exists(release): time.sleep(0.02)
                        os._exit(0)
                    made += 1
                print("made", made, "refused", refused, flush=True)
                while not os.path.exists(release): time.sleep(0.02)
                """;
        CordonProcess p = kernel.start(args(List.of("run", "--no-dns-proxy", "--pids", "20", "--"), python(bomb, release.toString())));
        assertThat(Await.until(Duration.ofSeconds(20), () -> p.stdoutSoFar().contains("made"))).as("%s", p).isTrue();
        Host.Out hostFork = Host.run("sh", "-c", "for i in 1 2 3 4 5; do true & done; wait; echo forked");
        assertThat(hostFork.out()).as("the host forks while the session sits at its limit").contains("forked");
        Files.writeString(release, "");
        CordonResult r = p.await(KernelTestSupport.RUN_TIMEOUT);

        String[] counts = r.stdout().strip().split(" ");
        assertThat(Integer.parseInt(counts[1])).as("children the limit let through (the command itself is one)\n%s", r).isEqualTo(19);
        assertThat(Integer.parseInt(counts[3])).isEqualTo(200 - 19);
        assertThat(r.stderrLines()).as("%s", r).anyMatch(l -> l.startsWith("cordon: refused: pids limit 20 reached ("));
    }

    @Test
    void aBusyLoopGetsItsCpuShare() {
        String busy = """
                import time
                wall, cpu = time.monotonic(), time.process_time()
                while time.monotonic() - wall < 3: pass
                print("share %.3f" % ((time.process_time() - cpu) / (time.monotonic() - wall)), flush=True)
                """;
        CordonResult r = kernel.run(args(List.of("run", "--no-dns-proxy", "--cpu", "0.5", "--"), python(busy)));
        assertThat(r.exitCode()).as("%s", r).isZero();
        double share = Double.parseDouble(r.stdout().strip().split(" ")[1]);
        assertThat(share).as("CPU time per wall second under --cpu 0.5 (±20%%)\n%s", r).isBetween(0.4, 0.6);
    }

    @Test
    void aPolicyFilesLimitsApplyAndTheOptionOverridesOne() throws IOException {
        Path policy = Files.writeString(kernel.dir().resolve("p.yaml"), "version: 1\nlimits:\n  memory: 128M\n  pids: 50\n");
        CordonResult r = kernel.run(List.of("run", "--no-dns-proxy", "--policy", policy.toString(), "--pids", "30", "--", "sh", "-c",
                "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max"));
        assertThat(r.stdoutLines()).as("%s", r).containsExactly(Long.toString(128L << 20), "30");
    }
}
