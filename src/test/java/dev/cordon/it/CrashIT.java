package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * cordon dies (SIGKILL) mid-run in enforce mode. Its links are pinned, so the command never gets
 * open network: the watchdog kills the session and removes it; with the watchdog dead too, the
 * command stays cut off until {@code cordon gc} cleans up. gc leaves live sessions alone.
 */
class CrashIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration PROMPTLY = Duration.ofSeconds(5);
    private static final Path PINS = Path.of("/sys/fs/bpf/cordon");
    private static final Path RECORDS = Path.of("/run/cordon/sessions");
    private static final Pattern PROG_ID = Pattern.compile("(?m)^(\\d+): ");

    @Test
    void killingCordonKillsTheCommandAndItsDaemonAndLeavesNothing() throws IOException {
        Path dir = kernel.dir();
        // A child, and a daemon (setsid + double fork) that left the command's process tree.
        String script = "setsid sh -c 'sleep 300 & echo $! > daemon.pid' </dev/null >/dev/null 2>&1; "
                + "sleep 300 & echo $! > child.pid; "
                + "i=0; while [ ! -s daemon.pid ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; touch ready; wait";
        CordonProcess cordon = kernel.start("run", "--deny-cidr", "127.0.0.2", "--", "sh", "-c", script);
        awaitFile(cordon, dir.resolve("ready"));
        Session s = session(cordon);
        long daemon = Long.parseLong(Files.readString(dir.resolve("daemon.pid")).strip());
        long child = Long.parseLong(Files.readString(dir.resolve("child.pid")).strip());
        assertThat(HostState.alive(daemon)).isTrue();
        assertThat(s.pins().resolve("cordon_connect4")).as("links pinned while it runs").exists();
        assertThat(s.pins().resolve("cordon_egress")).exists();
        assertThat(s.record()).exists();
        Set<Integer> programs = attachedTo(s.cgroup());
        assertThat(programs).as("programs attached to the session's cgroup").isNotEmpty();

        cordon.signal("KILL");
        CordonResult r = cordon.await(WAIT);

        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.stderr()).contains("cordon: watchdog: cordon is gone; killing its session " + s.name());
        Await.require(PROMPTLY, "the command's processes to die", () -> !HostState.alive(daemon) && !HostState.alive(child), r::toString);
        Await.require(PROMPTLY, "the session's cgroup, pins and record to go",
                () -> !Files.exists(s.cgroup()) && !Files.exists(s.pins()) && !Files.exists(s.record()), r::toString);
        Await.require(Duration.ofSeconds(10), "the session's programs to be freed",
                () -> intersection(programs, loadedPrograms()).isEmpty(), () -> "still loaded: " + intersection(programs, loadedPrograms()));
    }

    @Test
    void killingCordonAlsoRemovesTheCgroupsOfItsLimits() throws IOException {
        Path dir = kernel.dir();
        CordonProcess cordon = kernel.start("run", "--no-dns-proxy", "--memory", "64M", "--pids", "50", "--", "sh", "-c",
                "touch ready; sleep 300");
        awaitFile(cordon, dir.resolve("ready"));
        Session s = session(cordon);
        List<Path> limitDirs = HostState.cordonCgroupsAnywhere(kernel.cgroupRoot()).stream()
                .filter(p -> p.getFileName().toString().equals(s.name()) && !p.equals(s.cgroup())).toList();
        assertThat(limitDirs).as("a v1 cgroup for memory and one for pids").hasSize(2);
        assertThat(record(s)).containsKeys("limits.0", "limits.1");

        cordon.signal("KILL");
        CordonResult r = cordon.await(WAIT);
        assertThat(r.exitCode()).isEqualTo(137);
        Await.require(PROMPTLY, "the session's cgroups, v1 ones included, to go",
                () -> limitDirs.stream().noneMatch(Files::exists) && !Files.exists(s.cgroup()), r::toString);
    }

    @Test
    void withCordonAndItsWatchdogKilledTheCommandStaysCutOffUntilGc() throws IOException {
        Path dir = kernel.dir();
        TcpListener denied = kernel.tcp("127.0.0.2"), open = kernel.tcp("127.0.0.4");
        try (Dnsmasq dns = new Dnsmasq().host("ok.internal", "127.0.31.5").host("secret.internal", "127.0.31.6").start(dir)) {
            String server = "127.0.0.1";
            Host.Out control = Host.run("dig", "@" + server, "-p", Integer.toString(dns.port()), "+time=2", "+tries=1", "ok.internal");
            assertThat(control.out()).as("the DNS server answers outside a session").contains("127.0.31.5");

            // The command waits for "go" (after cordon is dead), then tries a denied address, DNS, and a
            // denied name in the first bytes sent to an allowed address.
            String hostHeader = "import socket; s = socket.create_connection(('127.0.0.4', " + open.port() + "), 5)\n"
                    + "try:\n    s.sendall(b'GET / HTTP/1.1\\r\\nHost: blocked.test\\r\\n\\r\\n'); print('sent')\n"
                    + "except OSError as e:\n    print('errno', e.errno)\n";
            Files.writeString(dir.resolve("host.py"), hostHeader);
            String script = "exec >cmd.out 2>&1; port=$1; shift; \"$@\" > net.txt; "
                    + "dig @127.0.0.1 -p $port +time=2 +tries=1 secret.internal > dig.txt 2>&1; echo $? > dig.rc; "
                    + "python3 host.py > host.txt; touch attempted; exec sleep 300";
            CordonProcess cordon = kernel.start(args(
                    List.of("run", "--upstream", server + ":" + dns.port(), "--deny-cidr", "127.0.0.2", "--deny", "blocked.test", "--",
                            "sh", "-c", script, "sh", Integer.toString(dns.port())),
                    kernel.netclient("--ready", "ready", "--go", "go", denied.spec())));
            awaitFile(cordon, dir.resolve("ready"));
            Session s = session(cordon);
            long watchdog = Long.parseLong(record(s).get("watchdog.pid"));
            assertThat(HostState.alive(watchdog)).isTrue();

            Host.run("kill", "-9", Long.toString(watchdog)).requireOk("kill -9 the watchdog");
            Await.require(PROMPTLY, "the watchdog to die", () -> !HostState.alive(watchdog), null);
            cordon.signal("KILL");
            CordonResult r = cordon.await(WAIT);
            assertThat(r.exitCode()).isEqualTo(137);
            assertThat(s.cgroup()).as("nobody cleaned up: the session is still there").exists();
            assertThat(HostState.populated(s.cgroup())).isTrue();

            Files.createFile(dir.resolve("go"));
            Await.require(WAIT, "the command's attempts", () -> Files.exists(dir.resolve("attempted")),
                    () -> read(dir.resolve("cmd.out")));
            assertThat(read(dir.resolve("net.txt"))).as("connect to the denied address, with cordon dead")
                    .contains("RESULT spec=" + denied.spec() + " op=connect errno=1 ");
            assertThat(denied.acceptedBeforeSentinel()).isZero();
            assertThat(read(dir.resolve("dig.rc")).strip()).as("dig failed\n%s", read(dir.resolve("dig.txt"))).isNotEqualTo("0");
            assertThat(read(dir.resolve("dig.txt"))).doesNotContain("127.0.31.6").doesNotContain("ANSWER SECTION");
            assertThat(dns.wasAskedFor("secret.internal")).as("the query never reached the server").isFalse();
            assertThat(read(dir.resolve("host.txt"))).as("a denied Host to an allowed address, with cordon dead").contains("errno 13");

            CordonResult dry = kernel.run("gc", "--dry-run");
            assertThat(dry.exitCode()).as("%s", dry).isZero();
            assertThat(dry.stdout()).contains("would clean session " + s.name() + " (its cordon (pid " + cordon.pid() + ") is gone)");
            assertThat(s.cgroup()).as("--dry-run changed nothing").exists();
            assertThat(HostState.populated(s.cgroup())).isTrue();
            assertThat(s.pins().resolve("cordon_connect4")).exists();
            assertThat(s.record()).exists();

            CordonResult gc = kernel.run("gc");
            assertThat(gc.exitCode()).as("%s", gc).isZero();
            assertThat(gc.stdout()).contains("cleaning session " + s.name(), "removed cgroup " + s.cgroup(),
                    "unpinned " + (dev.cordon.kernel.EgressGuard.cgroupPrograms(null, true).size()
                            + dev.cordon.kernel.EgressGuard.TRACE_PROGRAMS.size() + 1) + " pin(s)", "removed record " + s.record());
            assertThat(s.cgroup()).doesNotExist();
            assertThat(s.pins()).doesNotExist();
            assertThat(s.record()).doesNotExist();
            // The extension's leak check then proves no program of the session is left (pinned or attached).
        }
    }

    @Test
    void gcLeavesALiveSessionAlone() throws IOException {
        Path dir = kernel.dir();
        CordonProcess cordon = kernel.start("run", "--", "sh", "-c", "touch ready; exec sleep 300");
        awaitFile(cordon, dir.resolve("ready"));
        Session s = session(cordon);

        CordonResult gc = kernel.run("gc");
        assertThat(gc.exitCode()).as("%s", gc).isZero();
        assertThat(gc.stdout()).contains("session " + s.name() + ": cordon (pid " + cordon.pid() + ") is running; left alone");
        assertThat(gc.stdout()).doesNotContain("cleaning session " + s.name());
        assertThat(cordon.isAlive()).isTrue();
        assertThat(HostState.populated(s.cgroup())).isTrue();
        assertThat(s.pins().resolve("cordon_connect4")).exists();
        assertThat(s.record()).exists();

        cordon.signal("TERM");
        CordonResult r = cordon.await(WAIT);
        assertThat(r.exitCode()).as("%s", r).isEqualTo(128 + 15);
        assertThat(s.cgroup()).doesNotExist();
        assertThat(s.pins()).as("a normal end unpins and removes the pin directory").doesNotExist();
        assertThat(s.record()).doesNotExist();
        if (Files.isDirectory(PINS) && isEmptyDir(PINS)) { // non-empty: another session on this host still uses it
            throw new AssertionError("the last session must take the shared pin root " + PINS + " with it");
        }
    }

    private static boolean isEmptyDir(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.findAny().isEmpty();
        }
    }

    // ---------------------------------------------------------------- helpers

    record Session(String name, Path cgroup, Path pins, Path record) {}

    private static Session session(CordonProcess cordon) {
        Set<Path> cgroups = kernel.cgroupsOf(cordon.pid());
        assertThat(cgroups).as("cordon's session cgroup").hasSize(1);
        Path cg = cgroups.iterator().next();
        String name = cg.getFileName().toString();
        return new Session(name, cg, PINS.resolve(name), RECORDS.resolve(name));
    }

    private static Map<String, String> record(Session s) throws IOException {
        Map<String, String> kv = new java.util.HashMap<>();
        for (String line : Files.readAllLines(s.record())) {
            int eq = line.indexOf('=');
            if (eq > 0) kv.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return kv;
    }

    private static Set<Integer> attachedTo(Path cgroup) {
        Set<Integer> ids = new HashSet<>();
        HostState.attachments(kernel.cgroupRoot()).forEach((id, cg) -> {
            if (cg.equals(cgroup)) ids.add(id);
        });
        return ids;
    }

    private static Set<Integer> loadedPrograms() {
        Set<Integer> ids = new HashSet<>();
        Matcher m = PROG_ID.matcher(HostState.bpftool("prog", "show"));
        while (m.find()) ids.add(Integer.parseInt(m.group(1)));
        return ids;
    }

    private static Set<Integer> intersection(Set<Integer> a, Set<Integer> b) {
        Set<Integer> i = new HashSet<>(a);
        i.retainAll(b);
        return i;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "(no " + file.getFileName() + ")";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void awaitFile(CordonProcess cordon, Path file) {
        Await.require(WAIT, file.getFileName() + " from the command",
                () -> Files.exists(file) || !cordon.isAlive(), cordon::toString);
        assertThat(file).as("cordon ended first:\n%s", cordon).exists();
    }
}
