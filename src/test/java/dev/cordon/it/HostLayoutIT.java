package dev.cordon.it;

import dev.cordon.sys.MountTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The host layouts SREs run, each made by the test in a private mount namespace ({@link HostLayout}):
 * bpffs absent (a machine that never ran cordon), pure cgroup v2 with and without nsdelegate
 * (mounted over this machine's tree, so the table lists a hidden cgroup2 mount first), and hybrid.
 * A representative part of the kernel suite runs in each: a session starts and ends clean, a denied
 * connect and a blocked name fail at once and are named, and the command sees only its own cgroup.
 */
class HostLayoutIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    @ParameterizedTest
    @EnumSource(HostLayout.Kind.class)
    void aSessionStartsAndEndsCleanly(HostLayout.Kind layout) {
        CordonResult r = kernel.run(layout, List.of("run", "--", "true"));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stderr()).as("%s", r).doesNotContain("cordon:");
    }

    @ParameterizedTest
    @EnumSource(HostLayout.Kind.class)
    void aDeniedConnectFailsAtOnceAndIsNamed(HostLayout.Kind layout) {
        TcpListener denied = kernel.tcp("127.0.0.2");
        CordonResult r = kernel.run(layout, args(List.of("run", "--deny-cidr", "127.0.0.2", "--"), kernel.netclient(denied.spec())));
        assertThat(r.attempt(denied.spec()).errno()).as("EPERM\n%s", r).isEqualTo(1);
        assertThat(r.attemptLines()).as("%s", r).singleElement().satisfies(l -> {
            assertThat(l.words()).containsExactly("WARN", "CONNECT", "BLOCKED");
            assertThat(l.get("pid")).isEqualTo(Long.toString(r.clientPid()));
            assertThat(l.get("cmd")).contains("netclient.py");
        });
        assertThat(denied.acceptedBeforeSentinel()).isZero();
    }

    @ParameterizedTest
    @EnumSource(HostLayout.Kind.class)
    void aBlockedNameFailsAtOnceAndIsNamed(HostLayout.Kind layout) throws IOException {
        try (Dnsmasq dns = new Dnsmasq().host("api.blocked.test", "127.0.0.9").host("ok.test", "127.0.0.8").start(kernel.dir())) {
            CordonResult r = kernel.run(layout, List.of("run", "--upstream", dns.upstream(), "--deny", "blocked.test", "--",
                    "sh", "-c", "getent ahosts ok.test; getent ahosts api.blocked.test; echo \"GETENT rc=$?\""));
            assertThat(r.stdout()).as("%s", r).contains("127.0.0.8").contains("GETENT rc=2").doesNotContain("127.0.0.9");
            assertThat(r.attemptLines(l -> l.words().contains("DNS"))).as("%s", r).isNotEmpty().allSatisfy(l -> {
                assertThat(l.words()).containsExactly("WARN", "DNS", "BLOCKED");
                assertThat(l.get("domain")).isEqualTo("api.blocked.test.");
                assertThat(l.get("cmd")).isEqualTo("getent ahosts api.blocked.test");
                assertThat(l.get("pid")).matches("\\d+");
            });
            assertThat(dns.wasAskedFor("api.blocked.test")).as("a blocked name is never forwarded").isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(HostLayout.Kind.class)
    void theCommandSeesOnlyItsOwnCgroup(HostLayout.Kind layout) {
        String cgroup2 = cgroup2In(layout).toString();
        CordonResult r = kernel.run(layout, List.of("run", "--no-dns-proxy", "--", "sh", "-c",
                "echo \"NOW $(sed -n 's/^0:://p' /proc/self/cgroup)\"; ls \"$1\"", "sh", cgroup2));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdoutLines()).as("%s", r).contains("NOW /", "cgroup.procs").noneMatch(l -> l.startsWith("cordon-"));
    }

    /**
     * A machine that never ran cordon: cordon mounts bpffs itself and pins the session's links in it
     * before the command starts (seen from the test through /proc/PID/root while the command waits).
     */
    @Test
    void onAHostWithoutBpffsCordonMountsItAndPinsBeforeTheCommandRuns() throws IOException {
        Path go = kernel.dir().resolve("go");
        CordonProcess p = kernel.start(HostLayout.Kind.BPFFS_ABSENT, List.of("run", "--no-dns-proxy", "--", "sh", "-c",
                "echo STARTED; for i in $(seq 400); do [ -e \"$1\" ] && exit 0; sleep 0.05; done; exit 1", "sh", go.toString()));
        assertThat(Await.until(Duration.ofSeconds(20), () -> p.stdoutSoFar().contains("STARTED"))).as("%s", p).isTrue();
        Path procRoot = Path.of("/proc", Long.toString(p.pid()), "root");
        MountTable cordonsView = MountTable.parse(Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "mountinfo")));
        assertThat(cordonsView.at(Path.of("/sys/fs/bpf"), "bpf")).as("cordon mounted bpffs in its namespace").isPresent();
        try (var sessions = Files.list(procRoot.resolve("sys/fs/bpf/cordon"))) {
            List<Path> dirs = sessions.toList();
            assertThat(dirs).singleElement();
            try (var pins = Files.list(dirs.getFirst())) {
                assertThat(pins.map(f -> f.getFileName().toString()).toList()).contains("cordon_connect4", "cordon_exec");
            }
        }
        Files.writeString(go, "");
        CordonResult r = p.await(KernelTestSupport.RUN_TIMEOUT);
        assertThat(r.exitCode()).as("%s", r).isZero();
    }

    /** Where cgroup2 is mounted in the layout, as the command will look for it. */
    private static Path cgroup2In(HostLayout.Kind layout) {
        return switch (layout) {
            case AS_IS, BPFFS_ABSENT -> kernel.cgroupRoot();
            case PURE_V2, PURE_V2_NSDELEGATE -> Path.of("/sys/fs/cgroup");
            case HYBRID -> Path.of("/sys/fs/cgroup/unified");
        };
    }
}
