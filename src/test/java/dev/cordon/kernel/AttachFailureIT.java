package dev.cordon.kernel;

import dev.cordon.sys.MountTable;
import dev.cordon.dns.DnsProxy;
import dev.cordon.dns.DnsService;
import dev.cordon.dns.LearnedAddresses;
import dev.cordon.libbpf.BpfException;
import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import dev.cordon.session.CommandLauncher;
import dev.cordon.session.CordonException;
import dev.cordon.session.Session;
import dev.cordon.session.SessionOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * If any program fails to attach or to pin, cordon does not run the command and leaves nothing:
 * a real session in this JVM (root, real kernel), with one step failed through the package-private
 * {@link EgressGuard#beforeStep} seam.
 */
class AttachFailureIT {
    private static final Path PINS = Path.of("/sys/fs/bpf/cordon");
    private static final Path RECORDS = Path.of("/run/cordon/sessions");

    @TempDir
    Path dir;

    @AfterEach
    void resetSeam() {
        EgressGuard.beforeStep = step -> {};
    }

    @ParameterizedTest
    @ValueSource(strings = {"attach cordon_exec", "pin cordon_exec", "attach cordon_egress", "pin cordon_connect6",
            "pin cordon_sock_create"})
    void aFailedStepRefusesTheCommandAndLeavesNothing(String failing) throws IOException {
        Path marker = dir.resolve("ran");
        assertFailedStepLeavesNothing(failing, marker, new SessionOptions(List.of("/bin/sh", "-c", "touch " + marker),
                IpPolicy.of(List.of(), List.of(Cidr.parse("127.0.0.2")), Action.ALLOW), Mode.ENFORCE, null,
                CommandLauncher.Stdio.INHERIT));
    }

    /** With the DNS proxy, so with the first-bytes check: its sk_msg program goes on the sockhash, its sock_ops on the cgroup. */
    @ParameterizedTest
    @ValueSource(strings = {"attach cordon_sk_msg", "pin first_bytes_sockets", "attach cordon_sockops", "pin cordon_sockops"})
    void aFailedFirstBytesStepRefusesTheCommandAndLeavesNothing(String failing) throws IOException {
        Path marker = dir.resolve("ran");
        DnsService.Options dns = new DnsService.Options(DomainPolicy.of(List.of(), List.of(DomainPattern.parse("blocked.test")),
                Action.ALLOW), Mode.ENFORCE, BlockedResponse.NXDOMAIN,
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)), Duration.ofSeconds(1),
                LearnedAddresses.Ttl.DEFAULT, 1024, DnsProxy.Options.DEFAULT, OutagePlan.NONE, false);
        assertFailedStepLeavesNothing(failing, marker, new SessionOptions(List.of("/bin/sh", "-c", "touch " + marker),
                IpPolicy.of(List.of(), List.of(), Action.ALLOW), Mode.ENFORCE, null, CommandLauncher.Stdio.INHERIT, dns));
    }

    /** The session fails at the injected step, before the command ran, and leaves no cgroup, pin, record or fd. */
    private void assertFailedStepLeavesNothing(String failing, Path marker, SessionOptions options) throws IOException {
        List<String> steps = new ArrayList<>();
        EgressGuard.beforeStep = step -> {
            steps.add(step);
            if (step.equals(failing)) throw new BpfException(step + " (injected)", 1);
        };
        long bpfFdsBefore = bpfFds();

        assertThatThrownBy(() -> new Session(options, new PrintWriter(new StringWriter(), true)).run())
                .isInstanceOf(CordonException.class)
                .hasMessageContaining("not running the command")
                .hasMessageContaining(failing + " (injected)");

        assertThat(steps).as("the step was reached").contains(failing);
        assertThat(marker).as("the command never ran").doesNotExist();
        String me = "cordon-" + ProcessHandle.current().pid() + "-";
        assertThat(named(cgroup2(), me)).as("session cgroup removed").isEmpty();
        assertThat(named(PINS, me)).as("pin directory removed").isEmpty();
        assertThat(named(RECORDS, me)).as("session record removed").isEmpty();
        assertThat(bpfFds()).as("no program, link or map fd left open in this JVM").isEqualTo(bpfFdsBefore);
    }

    private static List<Path> named(Path dir, String prefix) throws IOException {
        List<Path> out = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, prefix + "*")) {
            s.forEach(out::add);
        }
        return out;
    }

    private static Path cgroup2() throws IOException {
        return MountTable.read().cgroup2().map(MountTable.Mount::path).orElse(null);
    }

    /** fds of this process that are BPF objects (programs, links, maps). */
    private static long bpfFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("anon_inode:bpf");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }
}
