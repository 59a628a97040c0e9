package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cordon guard} around a cgroup that already holds a running shell, as a deploy system's
 * would: the shell's next attempts are judged and named by task, a SIGHUP flips the policy with
 * no gap, SIGTERM detaches and leaves the shell running; refusals, nesting, and a guard that dies.
 */
class GuardIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration CMD = Duration.ofSeconds(20);
    private static final Path PINS = Path.of("/sys/fs/bpf/cordon");

    private TestCgroup cgroup() {
        return kernel.closeAfter(TestCgroup.create(kernel.cgroupRoot()));
    }

    private static void awaitGuarding(CordonProcess guard) {
        Await.require(WAIT, "the guard to start guarding", () -> guard.stderrSoFar().contains("cordon: guarding ") || !guard.isAlive(),
                guard::toString);
        assertThat(guard.isAlive()).as("the guard exited:\n%s", guard).isTrue();
    }

    private static LoopbackWeb web(String ip) throws IOException {
        return kernel.closeAfter(new LoopbackWeb(ip));
    }

    private static String curl(LoopbackWeb target) {
        return "curl -sS -m 10 -o /dev/null http://" + target.ip() + ":" + target.port() + "/";
    }

    private static List<Integer> attachedTo(Path cgroup) {
        List<Integer> ids = new ArrayList<>();
        HostState.attachments(kernel.cgroupRoot()).forEach((id, cg) -> {
            if (cg.equals(cgroup)) ids.add(id);
        });
        return ids;
    }

    @Test
    void guardsARunningShellReloadsWithNoGapAndDetachesLeavingItRunning() throws IOException, InterruptedException {
        Path dir = kernel.dir();
        LoopbackWeb denied = web("127.0.0.2"), flips = web("127.0.0.3");
        TestCgroup cg = cgroup();
        CgroupShell shell = cg.shell(cg.child("deploy-web"), dir);
        assertThat(shell.run(curl(denied), CMD).output()).as("before the guard, nothing is denied").doesNotContain("Failed to connect");
        Path policy = Files.writeString(dir.resolve("policy.yaml"), "version: 1\ndeny:\n  cidrs: [127.0.0.2/32]\n");

        Path events = dir.resolve("events.jsonl");
        CordonProcess guard = kernel.start("guard", "--cgroup", cg.path().toString(), "--policy", policy.toString(), "--no-dns-proxy",
                "--events", events.toString());
        awaitGuarding(guard);
        assertThat(guard.stderrSoFar()).contains("cordon: guarding " + cg.path() + ": 1 process(es) inside");
        assertThat(attachedTo(cg.path())).as("programs attached to the guarded cgroup").isNotEmpty();

        CgroupShell.Done blocked = shell.run(curl(denied), CMD);
        assertThat(blocked.status()).as(blocked.output()).isEqualTo(7);
        assertThat(blocked.took()).as("fails at once (EPERM), not after curl's 10 s").isLessThan(Duration.ofSeconds(5));
        Await.require(WAIT, "the violation line", () -> guard.stderrSoFar().contains("blockedAt=connect ip=127.0.0.2"), guard::toString);
        ViolationLine line = ViolationLine.parseAll(guard.stderrSoFar()).stream()
                .filter(l -> "127.0.0.2".equals(l.fields().get("ip"))).findFirst().orElseThrow();
        assertThat(line.fields()).containsEntry("task", "deploy-web").containsEntry("cmd", curl(denied)).containsKey("pid");
        assertThat(shell.run(curl(flips), CMD).status()).as("127.0.0.3 is allowed by the first policy").isZero();

        // A client connects to both, without pause, while the policy is swapped: 127.0.0.2 is denied
        // by both policies, so a single connect getting through would be a moment with neither.
        Path log = dir.resolve("flip.log"), stop = dir.resolve("flip.stop");
        TcpListener deniedPort = kernel.tcp("127.0.0.2"), flipsPort = kernel.tcp("127.0.0.3"); // accept at once, never stall the loop
        shell.run(python(FLIP_LOOP, deniedPort, flipsPort, log, stop) + " &", CMD);
        Await.require(WAIT, "the loop's first allowed connects to 127.0.0.3", () -> read(log).contains("127.0.0.3 ok"), () -> read(log));
        GuardMaps maps = GuardMaps.of(cg.path());
        assertThat(maps.generation()).isZero();
        assertThat(maps.rulesV4(0)).contains("127.0.0.2/32").doesNotContain("127.0.0.3/32");
        // Thousands of rules: filling a trie takes a while, and the one in force must not be touched meanwhile.
        StringBuilder many = new StringBuilder("version: 1\ndeny:\n  cidrs:\n");
        for (int i = 0; i < 20_000; i++) many.append("    - 10.").append(i >> 8).append('.').append(i & 0xff).append(".1/32\n");
        Files.writeString(policy, many.append("    - 127.0.0.2/32\n    - 127.0.0.3/32\n"));
        guard.signal("HUP");
        Await.require(WAIT, "the reload", () -> guard.stderrSoFar().contains("cordon: reloaded " + policy), guard::toString);
        assertThat(maps.generation()).as("one flip to the generation the reload filled").isEqualTo(1);
        assertThat(maps.rulesV4(1)).contains("127.0.0.2/32", "127.0.0.3/32", "10.0.0.1/32", "10.78.31.1/32");
        assertThat(maps.rulesV4(0)).as("the generation that was in force was never written")
                .contains("127.0.0.2/32").doesNotContain("127.0.0.3/32", "10.0.0.1/32");
        Await.require(WAIT, "the loop to see 127.0.0.3 denied", () -> read(log).contains("127.0.0.3 err1"), () -> read(log));
        Files.createFile(stop);
        shell.run("wait", CMD);
        List<String> attempts = read(log).lines().toList();
        assertThat(attempts).filteredOn(l -> l.startsWith("127.0.0.2 ")).as("denied by both policies, at every moment")
                .isNotEmpty().allMatch(l -> l.equals("127.0.0.2 err1"));
        List<String> flipped = attempts.stream().filter(l -> l.startsWith("127.0.0.3 ")).toList();
        int firstDenied = flipped.indexOf("127.0.0.3 err1");
        assertThat(flipped.subList(0, firstDenied)).as("allowed until the flip").isNotEmpty().allMatch(l -> l.equals("127.0.0.3 ok"));
        assertThat(flipped.subList(firstDenied, flipped.size())).as("denied from the flip on, never allowed again")
                .allMatch(l -> l.equals("127.0.0.3 err1"));

        Files.writeString(policy, "version: 1\ndeny:\n  cidrs: [127.0.0.0/33]\n");
        guard.signal("HUP");
        Await.require(WAIT, "the refused reload", () -> guard.stderrSoFar().contains("the policy in force stays"), guard::toString);
        assertThat(maps.generation()).as("a refused reload flips nothing").isEqualTo(1);
        assertThat(shell.run(curl(flips), CMD).status()).as("a file with errors keeps the policy in force").isEqualTo(7);
        assertThat(shell.run(curl(denied), CMD).status()).isEqualTo(7);

        guard.signal("TERM");
        CordonResult r = guard.await(WAIT);
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stderr()).contains("detached from " + cg.path() + ", 1 process(es) left running there as they were");
        List<java.util.Map<String, String>> reloads = JsonLines.ofType(JsonLines.read(events), "policy-reload");
        assertThat(reloads).extracting(m -> m.get("applied")).containsExactly("true", "false");
        assertThat(reloads.get(1).get("problems")).contains("127.0.0.0/33");
        assertThat(attachedTo(cg.path())).as("no program left attached").isEmpty();
        assertThat(shell.alive()).as("the shell survives the guard").isTrue();
        assertThat(shell.run(curl(denied), CMD).status()).as("and is unguarded again").isZero();
    }

    /**
     * The sendmsg hooks keep a socket's last allowed destination, so a stream of datagrams is judged
     * once; a reload must end that. One UDP socket sends to 127.0.0.3 until a reload denies it. No
     * events file: with one, every allowed send is recorded and nothing is cached.
     */
    @Test
    void aReloadEndsASocketsCachedSendVerdict() throws IOException {
        Path dir = kernel.dir();
        TestCgroup cg = cgroup();
        CgroupShell shell = cg.shell(cg.child("sender"), dir);
        Path policy = Files.writeString(dir.resolve("policy.yaml"), "version: 1\ndeny:\n  cidrs: [127.0.0.2/32]\n");
        CordonProcess guard = kernel.start("guard", "--cgroup", cg.path().toString(), "--policy", policy.toString(), "--no-dns-proxy");
        awaitGuarding(guard);
        Path log = dir.resolve("send.log"), stop = dir.resolve("send.stop");
        Path script = Files.writeString(dir.resolve("send.py"), SEND_LOOP);
        shell.run("python3 " + script + " " + log + " " + stop + " &", CMD);
        Await.require(WAIT, "the first sends", () -> read(log).contains("ok"), () -> read(log));

        Files.writeString(policy, "version: 1\ndeny:\n  cidrs: [127.0.0.2/32, 127.0.0.3/32]\n");
        guard.signal("HUP");
        Await.require(WAIT, "the reload", () -> guard.stderrSoFar().contains("cordon: reloaded " + policy), guard::toString);
        Await.require(WAIT, "the same socket's sends to be denied", () -> read(log).contains("err1"), () -> read(log));
        Files.createFile(stop);
        shell.run("wait", CMD);
        List<String> sends = read(log).lines().toList();
        int denied = sends.indexOf("err1");
        assertThat(sends.subList(0, denied)).as("allowed until the reload").isNotEmpty().allMatch("ok"::equals);
        assertThat(sends.subList(denied, sends.size())).as("denied from the reload on").allMatch("err1"::equals);
        guard.signal("TERM");
        assertThat(guard.await(WAIT).exitCode()).isZero();
    }

    private static final String SEND_LOOP = """
            import os, socket, sys, time
            log, stop = sys.argv[1], sys.argv[2]
            end = time.monotonic() + 60
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            with open(log, "w", buffering=1) as out:
                while not os.path.exists(stop) and time.monotonic() < end:
                    try:
                        u.sendto(b"x", ("127.0.0.3", 9))
                        out.write("ok\\n")
                    except OSError as e:
                        out.write("err%d\\n" % (e.errno or 0))
                    time.sleep(0.001)
            """;

    @Test
    void queriesOfProcessesAlreadyInsideGoThroughTheProxyAndAnEventsFileNamesTheirTask() throws IOException, InterruptedException {
        Path dir = kernel.dir();
        TestCgroup cg = cgroup();
        CgroupShell shell = cg.shell(cg.child("job-7"), dir);
        try (Dnsmasq dns = new Dnsmasq().host("ok.internal", "127.0.31.5").host("secret.internal", "127.0.31.6").start(dir)) {
            String dig = "dig @127.0.0.1 -p " + dns.port() + " +time=2 +tries=1 +short ";
            assertThat(shell.run(dig + "secret.internal", CMD).output()).as("before the guard").contains("127.0.31.6");
            Path events = dir.resolve("events.jsonl");
            CordonProcess guard = kernel.start("guard", "--cgroup", cg.path().toString(), "--upstream", "127.0.0.1:" + dns.port(),
                    "--deny", "secret.internal", "--events", events.toString());
            awaitGuarding(guard);
            assertThat(shell.run(dig + "secret.internal", CMD).output()).as("denied name, asked by a process that was there first")
                    .doesNotContain("127.0.31.6");
            assertThat(shell.run(dig + "ok.internal", CMD).output()).contains("127.0.31.5");
            Await.require(WAIT, "the DNS line", () -> guard.stderrSoFar().contains("domain=secret.internal."), guard::toString);
            guard.signal("TERM");
            CordonResult r = guard.await(WAIT);
            assertThat(r.exitCode()).as("%s", r).isZero();
            List<java.util.Map<String, String>> records = JsonLines.read(events);
            assertThat(records.getFirst()).containsEntry("type", "run-start").containsEntry("guard", cg.path().toString());
            assertThat(records).filteredOn(m -> "dns".equals(m.get("type")) && "secret.internal.".equals(m.get("domain")))
                    .isNotEmpty().allSatisfy(m -> assertThat(m).containsEntry("task", "job-7"));
            assertThat(records.getLast()).containsEntry("type", "run-end");
        }
    }

    @Test
    void aGuardedCgroupIsRefusedAndNestedGuardsBothApply() throws IOException, InterruptedException {
        Path dir = kernel.dir();
        LoopbackWeb outerDenied = web("127.0.0.2"), innerDenied = web("127.0.0.3"), open = web("127.0.0.4");
        TestCgroup cg = cgroup();
        Path inner = cg.child("inner");
        CgroupShell innerShell = cg.shell(inner, dir), outerShell = cg.shell(cg.path(), dir);
        try (Dnsmasq dns = new Dnsmasq().host("a.internal", "127.0.31.7").host("b.internal", "127.0.31.8")
                .host("ok.internal", "127.0.31.5").start(dir)) {
            String upstream = "127.0.0.1:" + dns.port();
            Path outerEvents = dir.resolve("outer-events.jsonl");
            CordonProcess outer = kernel.start("guard", "--cgroup", cg.path().toString(), "--upstream", upstream,
                    "--deny-cidr", "127.0.0.2", "--deny", "a.internal", "--events", outerEvents.toString());
            awaitGuarding(outer);

            CordonResult again = kernel.run("guard", "--cgroup", cg.path().toString(), "--no-dns-proxy");
            assertThat(again.exitCode()).as("%s", again).isEqualTo(125);
            assertThat(again.stderr()).contains(cg.path() + " is already guarded by cordon (pid " + outer.pid());

            CordonProcess innerGuard = kernel.start("guard", "--cgroup", inner.toString(), "--upstream", upstream,
                    "--deny-cidr", "127.0.0.3", "--deny", "b.internal");
            awaitGuarding(innerGuard);
            // printed just after the guarding line: awaited, not read at once
            String inside = "lies inside " + cg.path() + ", guarded by cordon pid " + outer.pid();
            Await.require(WAIT, "the inner guard to say where it lies", () -> innerGuard.stderrSoFar().contains(inside), innerGuard::toString);

            String dig = "dig @127.0.0.1 -p " + dns.port() + " +time=2 +tries=1 +short ";
            assertThat(innerShell.run(curl(outerDenied), CMD).status()).as("the outer guard's deny").isEqualTo(7);
            assertThat(innerShell.run(curl(innerDenied), CMD).status()).as("the inner guard's deny").isEqualTo(7);
            assertThat(innerShell.run(curl(open), CMD).status()).as("denied by neither").isZero();
            assertThat(innerShell.run(dig + "a.internal", CMD).output()).as("a name the outer guard denies").doesNotContain("127.0.31.7");
            assertThat(innerShell.run(dig + "b.internal", CMD).output()).as("a name the inner guard denies").doesNotContain("127.0.31.8");
            assertThat(innerShell.run(dig + "ok.internal", CMD).output()).contains("127.0.31.5");
            assertThat(outerShell.run(curl(innerDenied), CMD).status()).as("the inner guard covers only its cgroup").isZero();
            assertThat(outerShell.run(dig + "b.internal", CMD).output()).contains("127.0.31.8");

            innerGuard.signal("TERM");
            assertThat(innerGuard.await(WAIT).exitCode()).isZero();
            outer.signal("TERM");
            assertThat(outer.await(WAIT).exitCode()).isZero();
            assertOuterNamesTheProcess(outer, outerEvents, dig + "a.internal");
        }
    }

    /** The outer guard names the process of a query that reached it through the inner guard's proxy: its line and its records. */
    private static void assertOuterNamesTheProcess(CordonProcess outer, Path events, String command) throws IOException, InterruptedException {
        ViolationLine line = ViolationLine.parseAll(outer.stderrSoFar()).stream()
                .filter(l -> "a.internal.".equals(l.fields().get("domain"))).findFirst()
                .orElseThrow(() -> new AssertionError("no line for a.internal. in " + outer));
        assertThat(line.fields()).as("the outer guard's line").containsEntry("cmd", command).containsEntry("task", "inner")
                .containsKey("exe").doesNotContainEntry("pid", "0");
        List<java.util.Map<String, String>> records = JsonLines.read(events);
        assertThat(records).filteredOn(m -> "dns".equals(m.get("type")) && "a.internal.".equals(m.get("domain")))
                .isNotEmpty().allSatisfy(m -> {
                    assertThat(m.get("pid")).isNotEqualTo("0");
                    assertThat(m).containsEntry("task", "inner").containsEntry("cmd", command);
                });
    }

    @Test
    void aGuardThatDiesFailsClosedUntilReleasedOrTakenOver() throws IOException {
        Path dir = kernel.dir();
        LoopbackWeb denied = web("127.0.0.2"), allowed = web("127.0.0.4");
        TestCgroup cg = cgroup();
        CgroupShell shell = cg.shell(cg.path(), dir);
        CordonProcess guard = kernel.start("guard", "--cgroup", cg.path().toString(), "--deny-cidr", "127.0.0.2", "--no-dns-proxy");
        awaitGuarding(guard);

        guard.signal("KILL");
        CordonResult r = guard.await(WAIT);
        assertThat(r.exitCode()).isEqualTo(137);
        Await.require(WAIT, "the watchdog's word", () -> guard.stderrSoFar().contains("its programs stay attached"), guard::toString);
        assertThat(shell.run(curl(denied), CMD).status()).as("fail closed: the pinned programs still deny").isEqualTo(7);
        assertThat(shell.run(curl(allowed), CMD).status()).as("and still allow").isZero();

        CordonProcess heir = kernel.start("guard", "--cgroup", cg.path().toString(), "--deny-cidr", "127.0.0.4", "--no-dns-proxy");
        awaitGuarding(heir);
        assertThat(heir.stderrSoFar()).contains("took over " + cg.path() + " from a guard that died (pid " + guard.pid() + ")");
        assertThat(shell.run(curl(denied), CMD).status()).as("the dead guard's policy is gone").isZero();
        assertThat(shell.run(curl(allowed), CMD).status()).as("the new one's is in force").isEqualTo(7);
        heir.signal("KILL");
        assertThat(heir.await(WAIT).exitCode()).isEqualTo(137);

        CordonResult dry = kernel.run("gc", "--dry-run");
        assertThat(dry.stdout()).as("%s", dry).contains("its cordon guard (pid " + heir.pid() + ") is gone",
                "(releasing " + cg.path() + ": what runs there is left running, unguarded)");
        assertThat(dry.stdout()).doesNotContain("kill ");
        CordonResult release = kernel.run("guard", "--release", cg.path().toString());
        assertThat(release.exitCode()).as("%s", release).isZero();
        assertThat(release.stdout()).contains("released " + cg.path());
        assertThat(attachedTo(cg.path())).isEmpty();
        assertThat(shell.run(curl(allowed), CMD).status()).as("released: unguarded").isZero();
        CordonResult nothing = kernel.run("guard", "--release", cg.path().toString());
        assertThat(nothing.exitCode()).isEqualTo(125);
        assertThat(nothing.stderr()).contains("no guard of " + cg.path() + " is on record");
    }

    @Test
    void onExitReleaseOpensWhenTheGuardDies() throws IOException {
        Path dir = kernel.dir();
        LoopbackWeb denied = web("127.0.0.2");
        TestCgroup cg = cgroup();
        CgroupShell shell = cg.shell(cg.path(), dir);
        CordonProcess guard = kernel.start("guard", "--cgroup", cg.path().toString(), "--on-exit", "release",
                "--deny-cidr", "127.0.0.2", "--no-dns-proxy");
        awaitGuarding(guard);
        assertThat(shell.run(curl(denied), CMD).status()).isEqualTo(7);
        guard.signal("KILL");
        assertThat(guard.await(WAIT).exitCode()).isEqualTo(137);
        Await.require(WAIT, "the watchdog to release the pins", () -> attachedTo(cg.path()).isEmpty(), guard::toString);
        assertThat(guard.stderrSoFar()).contains("released (--on-exit release)");
        assertThat(shell.run(curl(denied), CMD).status()).isZero();
    }

    @Test
    void theTargetIsCheckedBeforeAnythingIsAttached() {
        TestCgroup cg = cgroup();
        CordonResult root = kernel.run("guard", "--cgroup", kernel.cgroupRoot().toString(), "--no-dns-proxy");
        assertThat(root.exitCode()).isEqualTo(125);
        assertThat(root.stderr()).contains("will not guard the root cgroup");
        CordonResult missing = kernel.run("guard", "--cgroup", cg.path().resolve("nope").toString(), "--no-dns-proxy");
        assertThat(missing.exitCode()).isEqualTo(125);
        assertThat(missing.stderr()).contains("no cgroup " + cg.path().resolve("nope") + "; make it first, or add --create");
        CordonResult outside = kernel.run("guard", "--cgroup", "/tmp", "--no-dns-proxy");
        assertThat(outside.stderr()).contains("/tmp is not below the cgroup2 mount");
        CordonResult hybridMemory = kernel.run("guard", "--cgroup", cg.path().toString(), "--memory", "64M", "--no-dns-proxy");
        if (hybridMemory.exitCode() == 125) { // this machine's layout: memory only in cgroup v1
            assertThat(hybridMemory.stderr()).contains("cordon guard --memory needs the memory controller in cgroup v2");
        }
        CordonProcess created = kernel.start("guard", "--cgroup", kernel.cgroupRoot().relativize(cg.path()) + "/made/here", "--create",
                "--no-dns-proxy");
        awaitGuarding(created);
        assertThat(cg.path().resolve("made/here/cgroup.procs")).exists();
        created.signal("INT");
        assertThat(created.await(WAIT).exitCode()).isZero();
        assertThat(cg.path().resolve("made/here")).as("left in place").isDirectory();
    }

    /** Connects to A and B in turn, logging "IP ok" or "IP errN", until the stop file appears (at most 60 s). */
    private static final String FLIP_LOOP = """
            import os, socket, sys, time
            a, pa, b, pb, log, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
            end = time.monotonic() + 60
            with open(log, "w", buffering=1) as out:
                while not os.path.exists(stop) and time.monotonic() < end:
                    for ip, port in ((a, pa), (b, pb)):
                        s = socket.socket()
                        s.settimeout(5)
                        try:
                            s.connect((ip, port))
                            out.write(ip + " ok\\n")
                        except OSError as e:
                            out.write("%s err%d\\n" % (ip, e.errno or 0))
                        finally:
                            s.close()
            """;

    private static String python(String script, TcpListener a, TcpListener b, Path log, Path stop) throws IOException {
        Path file = Files.writeString(kernel.dir().resolve("flip.py"), script);
        return "python3 " + file + " " + a.host() + " " + a.port() + " " + b.host() + " " + b.port() + " " + log + " " + stop;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
