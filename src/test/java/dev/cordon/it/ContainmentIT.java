package dev.cordon.it;

import dev.cordon.sys.Capability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command cannot leave the guard: its cgroup namespace and private view of cgroup2 hide every
 * other cgroup, capabilities that could undo the guard are gone (and cannot come back on exec),
 * packet and raw sockets are refused in enforce mode and reported in both, a child cgroup or a new
 * network namespace changes nothing, and it inherits no descriptor but stdio.
 */
class ContainmentIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final Set<Capability> DROPPED = EnumSet.of(Capability.SYS_ADMIN, Capability.NET_ADMIN, Capability.NET_RAW,
            Capability.BPF, Capability.PERFMON, Capability.SYS_MODULE, Capability.SYS_PTRACE, Capability.SYS_RAWIO);

    private static final String SOCKETS_PY = """
            import socket, sys
            for name, args in (("packet", (socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))),
                               ("icmp", (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))):
                try:
                    socket.socket(*args).close()
                    print(name, "created", flush=True)
                except OSError as e:
                    print(name, "refused", e.errno, flush=True)
            """;

    private List<String> python(String script) {
        return List.of(kernel.netclient().getFirst(), "-c", script);
    }

    private static Map<String, Long> caps(String stdout) {
        return stdout.lines().filter(l -> l.startsWith("Cap")).collect(Collectors.toMap(
                l -> l.substring(0, l.indexOf(':')), l -> Long.parseUnsignedLong(l.substring(l.indexOf(':') + 1).trim(), 16)));
    }

    @Test
    void writingItselfIntoTheRootOrASiblingCgroupDoesNotLeaveTheSession() throws IOException {
        TcpListener denied = kernel.tcp("127.0.0.2");
        Path sibling = kernel.cgroupRoot().resolve("contain-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        Files.createDirectory(sibling);
        try {
            String script = "echo $$ > \"$1/cgroup.procs\"; echo \"ROOT rc=$?\"; echo $$ > \"$1/$2/cgroup.procs\"; echo \"SIBLING rc=$?\"; "
                    + "echo \"NOW $(sed -n 's/^0:://p' /proc/self/cgroup)\"; shift 2; exec \"$@\"";
            CordonResult r = kernel.run(args(List.of("run", "--no-dns-proxy", "--deny-cidr", "127.0.0.2", "--", "sh", "-c", script, "sh",
                    kernel.cgroupRoot().toString(), sibling.getFileName().toString()), kernel.netclient(denied.spec())));

            // The host's root is not visible: its path shows the session's own cgroup, so "moving" there stays put.
            assertThat(r.stdout()).as("%s", r).contains("ROOT rc=0").contains("NOW /");
            assertThat(r.stdoutLines()).as("%s", r).anyMatch(l -> l.startsWith("SIBLING rc=") && !l.equals("SIBLING rc=0"));
            assertThat(r.stderr()).contains("contain-it-").contains("nonexistent"); // the sibling is not even visible
            assertThat(Files.readString(sibling.resolve("cgroup.procs"))).as("nothing entered the sibling").isEmpty();
            assertThat(r.attempt(denied.spec()).errno()).as("the next connect is still blocked\n%s", r).isEqualTo(1);
            assertThat(r.attemptLines()).singleElement().satisfies(l -> {
                assertThat(l.words()).containsExactly("WARN", "CONNECT", "BLOCKED");
                assertThat(l.get("pid")).isEqualTo(Long.toString(r.clientPid()));
            });
        } finally {
            Files.deleteIfExists(sibling);
        }
    }

    @Test
    void aChildCgroupOfItsOwnIsStillGuarded() {
        TcpListener denied = kernel.tcp("127.0.0.2");
        String script = "mkdir /sys/fs/cgroup/unified/escape && echo $$ > /sys/fs/cgroup/unified/escape/cgroup.procs && exec \"$@\"";
        CordonResult r = kernel.run(args(List.of("run", "--no-dns-proxy", "--deny-cidr", "127.0.0.2", "--", "sh", "-c", script, "sh"),
                kernel.netclient(denied.spec())));
        assertThat(r.clientCgroup()).as("%s", r).contains("/escape");
        assertThat(r.attempt(denied.spec()).errno()).as("%s", r).isEqualTo(1);
        assertThat(denied.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).singleElement().satisfies(l -> {
            assertThat(l.words()).containsExactly("WARN", "CONNECT", "BLOCKED");
            assertThat(l.get("pid")).isEqualTo(Long.toString(r.clientPid()));
            assertThat(l.get("cmd")).isEqualTo(String.join(" ", kernel.netclient(denied.spec())));
        });
    }

    @Test
    void theDroppedCapabilitiesAreGoneForGoodAndKeepCapKeepsOne() {
        CordonResult r = kernel.run("run", "--no-dns-proxy", "--", "grep", "^Cap", "/proc/self/status");
        assertThat(r.exitCode()).as("%s", r).isZero();
        Map<String, Long> c = caps(r.stdout());
        for (String set : List.of("CapBnd", "CapEff", "CapPrm")) {
            assertThat(Capability.fromMask(c.get(set))).as("%s\n%s", set, r).doesNotContainAnyElementsOf(DROPPED);
        }
        assertThat(Capability.fromMask(c.get("CapEff"))).as("root keeps the rest").contains(Capability.CHOWN, Capability.KILL);
        assertThat(c.get("CapInh")).isZero();
        assertThat(c.get("CapAmb")).isZero();

        CordonResult kept = kernel.run("run", "--no-dns-proxy", "--keep-cap", "net_raw", "--", "grep", "^Cap", "/proc/self/status");
        Set<Capability> bnd = Capability.fromMask(caps(kept.stdout()).get("CapBnd"));
        assertThat(bnd).as("%s", kept).contains(Capability.NET_RAW).doesNotContain(Capability.SYS_ADMIN, Capability.BPF);
    }

    @Test
    void theCommandCannotReachCordonsPinsNorItsProcess() {
        // A root command may kill cordon (then the watchdog and the pins keep it cut off); it must not
        // be able to unlink the pins, nor read cordon's memory, environment or descriptors (listing fd
        // numbers is plain DAC; following one needs ptrace access).
        CordonResult r = kernel.run("run", "--no-dns-proxy", "--", "sh", "-c", """
                echo "parent=$PPID"
                ls /sys/fs/bpf/cordon >/dev/null 2>&1; echo "pins=$?"
                grep -q ' /sys/fs/bpf ' /proc/self/mountinfo; echo "bpffs-mounted=$?"
                cat /proc/$PPID/environ >/dev/null 2>&1; echo "environ=$?"
                readlink /proc/$PPID/fd/0 >/dev/null 2>&1; echo "fd=$?"
                head -c1 /proc/$PPID/mem >/dev/null 2>&1; echo "mem=$?"
                """);

        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdoutLines()).as("%s", r).contains("parent=" + r.pid(), "bpffs-mounted=1")
                .doesNotContain("pins=0", "environ=0", "fd=0", "mem=0");
    }

    @Test
    void userRunsTheCommandAsThatUser() {
        CordonResult r = kernel.run("run", "--no-dns-proxy", "--user", "nobody", "--", "sh", "-c",
                "echo \"ID $(id -u) $(id -g)\"; echo \"ENV $HOME $USER $LOGNAME\"; grep ^CapEff /proc/self/status");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).contains("ID 65534 65534").contains("ENV /nonexistent nobody nobody");
        assertThat(caps(r.stdout()).get("CapEff")).isZero();

        CordonResult unknown = kernel.run("run", "--user", "cordon-no-such-user", "--", "true");
        assertThat(unknown.exitCode()).isEqualTo(125);
        assertThat(unknown.stderr()).contains("unknown user 'cordon-no-such-user'");
    }

    @Test
    void packetAndRawSocketsAreRefusedInEnforceModeAndReported() {
        CordonResult r = kernel.run(args(List.of("run", "--no-dns-proxy", "--"), python(SOCKETS_PY)));
        assertThat(r.stdout()).as("%s", r).contains("packet refused 1").contains("icmp refused 1");
        String cmd = String.join(" ", python(SOCKETS_PY));
        assertThat(r.attemptLines()).as("%s", r).hasSize(2);
        LogLine packet = r.attemptLines(l -> "packet".equals(l.get("family"))).getFirst();
        assertThat(packet.raw()).startsWith("WARN SOCKET BLOCKED blocked=true blockedAt=socket socket=raw family=packet proto=all pid=");
        assertThat(packet.get("cmd")).isEqualTo(cmd);
        assertThat(packet.get("rule")).isEqualTo("packet-socket");
        LogLine icmp = r.attemptLines(l -> "ipv4".equals(l.get("family"))).getFirst();
        assertThat(icmp.raw()).startsWith("WARN SOCKET BLOCKED blocked=true blockedAt=socket socket=raw family=ipv4 proto=icmp pid=");
        assertThat(icmp.get("cmd")).isEqualTo(cmd);
        assertThat(icmp.get("pid")).isEqualTo(packet.get("pid"));
    }

    @Test
    void auditModeLetsPacketAndRawSocketsBeCreatedAndReportsThem() throws IOException {
        Path events = kernel.dir().resolve("events.jsonl");
        CordonResult r = kernel.run(args(List.of("run", "--no-dns-proxy", "--mode", "audit", "--events", events.toString(), "--"),
                python(SOCKETS_PY)));
        assertThat(r.stdout()).as("%s", r).contains("packet created").contains("icmp created");
        assertThat(r.attemptLines()).as("%s", r).extracting(LogLine::raw).satisfiesExactlyInAnyOrder(
                l -> assertThat(l).startsWith("WARN SOCKET AUDIT blocked=false blockedAt=socket socket=raw family=packet proto=all pid="),
                l -> assertThat(l).startsWith("WARN SOCKET AUDIT blocked=false blockedAt=socket socket=raw family=ipv4 proto=icmp pid="));
        String jsonl = Files.readString(events);
        assertThat(jsonl).contains("\"type\":\"socket\",\"verdict\":\"audited\"").contains("\"family\":\"packet\"")
                .contains("\"socketType\":\"raw\"");
        assertThat(jsonl).as("cordon's exec chain is not recorded").doesNotContain("setpriv").doesNotContain("\"comm\":\"unshare\"");
    }

    @Test
    void aNewNetworkNamespaceNeedsCapabilitiesAndAUserNamespaceOneChangesNothing() throws IOException {
        CordonResult plain = kernel.run("run", "--no-dns-proxy", "--", "unshare", "-n", "true");
        assertThat(plain.exitCode()).as("%s", plain).isNotZero();
        assertThat(plain.stderr()).contains("Operation not permitted");

        long maxUserNs;
        try (var in = Files.newInputStream(Path.of("/proc/sys/user/max_user_namespaces"))) { // one read: a numeric sysctl's second read is EOF
            maxUserNs = Long.parseLong(new String(in.readNBytes(32), java.nio.charset.StandardCharsets.US_ASCII).strip());
        }
        assertThat(maxUserNs).as("this host allows user namespaces (the case below needs one)").isPositive();
        TcpListener denied = kernel.tcp("127.0.0.2");
        // DNS aimed at any server goes to the proxy's port on loopback, which in the new netns is down: no answer, never out.
        String script = "dig +time=1 +tries=1 @192.0.2.53 example.test; echo \"DIG rc=$?\"; exec \"$@\"";
        CordonResult r = kernel.run(args(List.of("run", "--upstream", "127.0.0.1:9", "--deny-cidr", "127.0.0.2", "--",
                "unshare", "-Urn", "sh", "-c", script, "sh"), kernel.netclient(denied.spec())));
        assertThat(r.stdoutLines()).as("%s", r).anyMatch(l -> l.startsWith("DIG rc=") && !l.equals("DIG rc=0"));
        assertThat(r.stdout()).doesNotContain("ANSWER SECTION");
        assertThat(r.attempt(denied.spec()).errno()).as("cgroup programs follow the socket, not the netns\n%s", r).isEqualTo(1);
        assertThat(r.attemptLines(l -> l.words().contains("CONNECT"))).singleElement()
                .satisfies(l -> assertThat(l.get("ip")).isEqualTo("127.0.0.2"));
    }

    @Test
    void theCommandInheritsOnlyStdio() {
        // cordon holds BPF maps, links, the cgroup, DNS sockets and the events file open meanwhile
        String script = """
                import os
                for fd in sorted(os.listdir("/proc/self/fd"), key=int):
                    try:
                        print("FD", fd, os.readlink("/proc/self/fd/" + fd), flush=True)
                    except OSError:
                        pass
                """;
        CordonResult r = kernel.run(args(List.of("run", "--upstream", "127.0.0.1:9", "--events",
                kernel.dir().resolve("e.jsonl").toString(), "--"), python(script)));
        assertThat(r.exitCode()).as("%s", r).isZero();
        List<String> fds = new ArrayList<>();
        for (String l : r.stdoutLines()) {
            if (!l.startsWith("FD ")) continue;
            String[] f = l.split(" ", 3);
            if (!f[2].matches("/proc/\\d+/fd")) fds.add(f[1]); // listdir's own descriptor
        }
        assertThat(fds).as("%s", r).containsExactly("0", "1", "2");
    }

    @Test
    void aSocketOnCordonsStdioIsWarnedAbout() throws Exception {
        String wrapper = "import os, socket, sys\na, b = socket.socketpair()\nos.dup2(a.fileno(), 0)\nos.execv(sys.argv[1], sys.argv[1:])\n";
        Path launcher = Path.of(System.getProperty("cordon.home"), "bin", "cordon");
        Host.Out out = Host.run(Duration.ofSeconds(30), kernel.netclient().getFirst(), "-c", wrapper, launcher.toString(),
                "run", "--no-dns-proxy", "--", "true");
        assertThat(out.exit()).as(out.err()).isZero();
        assertThat(out.err()).contains("cordon: warning: stdin is a Unix socket opened outside the session; "
                + "the command inherits it and cordon's programs do not see traffic on it");
        assertThat(out.err()).doesNotContain("stdout is a").doesNotContain("stderr is a");
    }
}
