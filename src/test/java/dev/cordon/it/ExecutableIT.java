package dev.cordon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real executable behind every attempt, whatever the process calls itself: {@code exec -a},
 * Python's os.execv with a made-up argv[0] and a symlink named {@code innocent} each get the path of
 * the file the kernel ran, on every line and in every record of the events file, DNS included. A
 * script's exec names its interpreter and the script; a process that was running before
 * {@code cordon guard} started (no exec seen) is named from /proc.
 */
class ExecutableIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final String FORGED = "innocent";
    private static final Duration WAIT = Duration.ofSeconds(30);
    static DnsWorld world;
    static Path worldDir;

    @BeforeAll
    static void start() throws IOException {
        worldDir = Files.createTempDirectory("cordon-exe-world");
        world = DnsWorld.start(worldDir);
    }

    @AfterAll
    static void stop() throws IOException {
        if (world != null) world.close();
        if (worldDir != null) Host.run("rm", "-rf", worldDir.toString());
    }

    /** What the kernel names: symlinks resolved (on a host where /usr/bin/curl is a link, its target). */
    private static String real(String path) throws IOException {
        return Path.of(path).toRealPath().toString();
    }

    @Test
    void aForgedArgv0AnExecvOrASymlinkNeverHidesTheProgram() throws Exception {
        Path dir = kernel.dir();
        Path link = Files.createSymbolicLink(dir.resolve(FORGED), Path.of("/usr/bin/curl"));
        Path script = Files.writeString(dir.resolve("step.sh"), "#!/bin/sh\nexit 0\n");
        script.toFile().setExecutable(true);
        Path events = dir.resolve("events.jsonl");
        int port = world.github.port();
        String curlArgs = "-sS -m 5 -o /dev/null http://%s.github.com:" + port + "/ http://" + DnsWorld.GITHUB_IP + ":" + port + "/";
        GuardedRun.Result r = world.cordon(dir).opt("--deny", "github.com", "--deny-cidr", DnsWorld.GITHUB_IP + "/32",
                "--events", events.toString()).sh("""
                bash -c 'exec -a %1$s /usr/bin/curl %2$s'
                /usr/bin/python3 -c 'import os; os.execv("/usr/bin/dig", ["%1$s", "+tries=1", "+time=5", "@127.0.0.53", "execv.github.com"])' > /dev/null
                PATH=%3$s:$PATH %1$s %4$s
                %5$s
                exit 0
                """.formatted(FORGED, curlArgs.formatted("execa"), link.getParent(), curlArgs.formatted("symlink"), script));
        assertThat(r.exit()).as(r.toString()).isZero();
        List<Map<String, String>> records = JsonLines.read(events);

        String curl = real("/usr/bin/curl"), dig = real("/usr/bin/dig");
        int execA = namedEverywhere(r, records, "execa.github.com.", curl, true);
        int execv = namedEverywhere(r, records, "execv.github.com.", dig, false);
        int viaLink = namedEverywhere(r, records, "symlink.github.com.", curl, true);
        assertThat(List.of(execA, execv, viaLink)).doesNotHaveDuplicates();
        assertThat(exec(records, viaLink)).as("through the symlink even comm says the link's name")
                .containsEntry("comm", FORGED).containsEntry("exe", curl);

        String stepArgv = "[\"/bin/sh\", \"" + script + "\"]";
        Map<String, String> step = records.stream().filter(m -> "exec".equals(m.get("type")) && stepArgv.equals(m.get("argv")))
                .findFirst().orElseThrow(() -> new AssertionError("no exec record of " + script + " in\n" + records));
        assertThat(step).as("a #! script runs its interpreter").containsEntry("exe", real("/bin/sh"))
                .containsEntry("script", script.toString());
    }

    /**
     * The DNS lines for {@code domain} come from a process whose argv[0] is forged, and they, its
     * connect lines (when it made some) and every record of it name {@code exe}. Returns its pid.
     */
    private static int namedEverywhere(GuardedRun.Result r, List<Map<String, String>> records, String domain, String exe,
                                       boolean connects) {
        List<ViolationLine> dns = r.dns("BLOCKED", domain);
        assertThat(dns).as("DNS lines for %s in\n%s", domain, r).isNotEmpty();
        int pid = Integer.parseInt(dns.getFirst().get("pid"));
        assertThat(dns).allSatisfy(l -> {
            assertThat(l.get("cmd")).startsWith(FORGED + " ");
            assertThat(l.get("exe")).as(l.raw()).isEqualTo(exe);
            assertThat(l.raw()).as("exe= after cmd=").containsPattern(" cmd=\"[^\"]*\" exe=");
        });
        if (connects) {
            assertThat(r.where(l -> l.kind().equals("CONNECT") && String.valueOf(pid).equals(l.get("pid"))))
                    .as("connect lines of %s", domain).isNotEmpty().allSatisfy(l -> assertThat(l.get("exe")).isEqualTo(exe));
        }
        List<Map<String, String>> own = records.stream().filter(m -> pid(m) == pid && !"exit".equals(m.get("type"))).toList();
        assertThat(own).extracting(m -> m.get("type")).as("records of %s", domain).contains("exec", "dns");
        if (connects) assertThat(own).extracting(m -> m.get("type")).contains("connect");
        for (Map<String, String> m : own) {
            if ("exec".equals(m.get("type")) && !m.get("argv").startsWith("[\"" + FORGED + "\"")) continue; // bash before its exec -a
            assertThat(m).as("record %s", m).containsEntry("exe", exe);
            // the kernel's, unless the query outran the exec record to the proxy: then /proc, read while the process waited
            if (!"exec".equals(m.get("type"))) assertThat(m.get("exeSource")).as("record %s", m).isIn("exec", "proc");
        }
        assertThat(exec(records, pid).get("argv")).startsWith("[\"" + FORGED + "\"");
        return pid;
    }

    /** The last exec record of pid: what it ran when it made its attempts. */
    private static Map<String, String> exec(List<Map<String, String>> records, int pid) {
        return records.stream().filter(m -> "exec".equals(m.get("type")) && pid(m) == pid).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no exec record of pid " + pid));
    }

    private static int pid(Map<String, String> m) {
        String p = m.get("pid");
        return p == null ? -1 : Integer.parseInt(p);
    }

    @Test
    void aProcessRunningBeforeTheGuardIsNamedFromProc() throws Exception {
        Path dir = kernel.dir();
        TestCgroup cg = kernel.closeAfter(TestCgroup.create(kernel.cgroupRoot()));
        CgroupShell shell = cg.shell(cg.child("job"), dir);
        Path go = dir.resolve("go"), done = dir.resolve("done"), leave = dir.resolve("leave");
        // started (and exec'd, as "innocent") before any guard: the kernel never saw its exec
        String waiter = "import os, socket, time\n"
                + "while not os.path.exists('" + go + "'): time.sleep(0.05)\n"
                + "s = socket.socket()\n"
                + "try:\n    s.connect(('" + DnsWorld.GITHUB_IP + "', " + world.github.port() + ")); r = 'connected'\n"
                + "except OSError as e:\n    r = 'errno %d' % e.errno\n"
                + "open('" + done + "', 'w').write(r)\n"
                // alive until its line is out: /proc names only a process that still exists
                + "while not os.path.exists('" + leave + "'): time.sleep(0.05)\n";
        Path waiterFile = Files.writeString(dir.resolve("waiter.py"), waiter);
        assertThat(shell.run("/usr/bin/python3 -c 'import os; os.execv(\"/usr/bin/python3\", [\"" + FORGED + "\", \"" + waiterFile
                + "\"])' > /dev/null 2>&1 &", Duration.ofSeconds(10)).status()).isZero();
        Path events = dir.resolve("events.jsonl");
        CordonProcess guard = kernel.start("guard", "--cgroup", cg.path().toString(), "--no-dns-proxy",
                "--deny-cidr", DnsWorld.GITHUB_IP + "/32", "--events", events.toString());
        Await.require(WAIT, "the guard to start guarding", () -> guard.stderrSoFar().contains("cordon: guarding ") || !guard.isAlive(),
                guard::toString);
        Files.createFile(go);
        Await.require(WAIT, "the waiter's connect", () -> Files.exists(done), guard::toString);
        assertThat(Files.readString(done)).isEqualTo("errno 1");
        Await.require(WAIT, "the connect line", () -> guard.stderrSoFar().contains("ip=" + DnsWorld.GITHUB_IP), guard::toString);
        Files.createFile(leave);
        guard.signal("TERM");
        CordonResult res = guard.await(WAIT);
        assertThat(res.exitCode()).as("%s", res).isZero();

        String python = real("/usr/bin/python3");
        ViolationLine line = ViolationLine.parseAll(res.stderr()).stream().filter(l -> DnsWorld.GITHUB_IP.equals(l.get("ip")))
                .findFirst().orElseThrow();
        assertThat(line.get("cmd")).isEqualTo(FORGED + " " + waiterFile);
        assertThat(line.get("exe")).isEqualTo(python);
        assertThat(JsonLines.read(events)).filteredOn(m -> "connect".equals(m.get("type"))).singleElement()
                .satisfies(m -> assertThat(m).containsEntry("exe", python).containsEntry("exeSource", "proc")
                        .containsEntry("cmdSource", "proc"));
    }
}
