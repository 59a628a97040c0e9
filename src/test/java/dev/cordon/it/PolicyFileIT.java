package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cordon run --policy FILE} end to end, and port-restricted CIDR rules in the kernel: one
 * loopback address, one port blocked and another allowed. The files name a loopback upstream, so
 * nothing ever reaches the machine's resolver.
 */
class PolicyFileIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    static final Duration WAIT = Duration.ofSeconds(5);

    private static Path policy(String yaml) throws IOException {
        return Files.writeString(kernel.dir().resolve("policy.yaml"), "version: 1\ndns:\n  upstreams: [\"127.0.0.1:53\"]\n" + yaml);
    }

    @Test
    void aPortRestrictedRuleBlocksOnePortAndAllowsAnotherOfTheSameAddress() throws IOException {
        TcpListener blocked = kernel.tcp("127.0.0.2");
        TcpListener open = kernel.tcp("127.0.0.2");
        Path file = policy("""
                deny:
                  cidrs:
                    - cidr: 127.0.0.2/32
                      ports: [%d]
                """.formatted(blocked.port()));

        CordonResult r = kernel.run(args(List.of("run", "--policy", file.toString(), "--"), kernel.netclient(blocked.spec(), open.spec())));

        assertThat(r.attempt(blocked.spec()).errno()).as("%s", r).isEqualTo(1);
        assertThat(r.attempt(open.spec()).ok()).as("%s", r).isTrue();
        assertThat(open.awaitAccepted(1, WAIT)).isTrue();
        assertThat(blocked.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).as("%s", r).singleElement().satisfies(l -> {
            assertThat(l.words()).containsExactly("WARN", "CONNECT", "BLOCKED");
            assertThat(l.get("port")).isEqualTo(Integer.toString(blocked.port()));
            assertThat(l.get("rule")).isEqualTo("127.0.0.2/32");
        });
    }

    @Test
    void aPortRuleInsideAnAllowedPrefixLeavesItsOtherPortsToThatPrefix() throws IOException {
        TcpListener ssh = kernel.tcp("127.0.0.2");
        TcpListener web = kernel.tcp("127.0.0.2");
        Path file = policy("""
                default: deny
                loopback: rules
                allow:
                  cidrs: [127.0.0.0/8]
                deny:
                  cidrs:
                    - cidr: 127.0.0.0/24
                      ports: [%d]
                """.formatted(ssh.port()));

        CordonResult r = kernel.run(args(List.of("run", "--policy", file.toString(), "--"), kernel.netclient(ssh.spec(), web.spec())));

        assertThat(r.attempt(ssh.spec()).errno()).as("%s", r).isEqualTo(1);
        assertThat(r.attempt(web.spec()).ok()).as("the /8 decides the ports the /24 does not name\n%s", r).isTrue();
        assertThat(web.awaitAccepted(1, WAIT)).isTrue();
        assertThat(ssh.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).singleElement().satisfies(l -> assertThat(l.get("rule")).isEqualTo("127.0.0.0/24"));
    }

    @Test
    void anAllowlistWithPortsAndLoopbackFollowingTheRules() throws IOException {
        TcpListener allowed = kernel.tcp("127.0.0.3");
        TcpListener otherPort = kernel.tcp("127.0.0.3");
        TcpListener local = kernel.tcp("127.0.0.1");
        Path file = policy("""
                default: deny
                loopback: rules
                allow:
                  cidrs:
                    - cidr: 127.0.0.3
                      ports: [%d]
                """.formatted(allowed.port()));

        CordonResult r = kernel.run(args(List.of("run", "--policy", file.toString(), "--"),
                kernel.netclient(allowed.spec(), otherPort.spec(), local.spec())));

        assertThat(r.attempt(allowed.spec()).ok()).as("%s", r).isTrue();
        assertThat(allowed.awaitAccepted(1, WAIT)).isTrue();
        for (TcpListener denied : List.of(otherPort, local)) {
            assertThat(r.attempt(denied.spec()).errno()).as("%s\n%s", denied.spec(), r).isEqualTo(1);
            assertThat(denied.acceptedBeforeSentinel()).isZero();
        }
        assertThat(r.attemptLines()).hasSize(2).allSatisfy(l -> assertThat(l.get("rule")).isEqualTo("default:deny"));
    }

    @Test
    void aModeGivenOnTheCommandLineOverridesTheFile() throws IOException {
        TcpListener target = kernel.tcp("127.0.0.2");
        Path file = policy("""
                mode: enforce
                deny:
                  cidrs:
                    - cidr: 127.0.0.2
                      ports: [%d]
                """.formatted(target.port()));

        CordonResult r = kernel.run(args(List.of("run", "--policy", file.toString(), "--mode", "audit", "--"),
                kernel.netclient(target.spec())));

        assertThat(r.attempt(target.spec()).ok()).as("%s", r).isTrue();
        assertThat(target.awaitAccepted(1, WAIT)).isTrue();
        assertThat(r.attemptLines()).singleElement().satisfies(l -> {
            assertThat(l.words()).containsExactly("WARN", "CONNECT", "AUDIT");
            assertThat(l.get("mode")).isEqualTo("audit");
        });
    }

    @Test
    void aBadFileIsReportedAndNothingRuns() throws IOException {
        TcpListener target = kernel.tcp("127.0.0.2");
        Path file = policy("""
                deny:
                  cidrs:
                    - cidr: 127.0.0.2
                      ports: [0]
                """);

        CordonResult r = kernel.run(args(List.of("run", "--policy", file.toString(), "--"), kernel.netclient(target.spec())));

        assertThat(r.exitCode()).as("%s", r).isEqualTo(125);
        assertThat(r.stderrLines()).contains(file + ":7:15: error: bad port '0': 0 is not in 1-65535");
        assertThat(r.stdout()).as("the command never ran").doesNotContain("RESULT");
        assertThat(kernel.cgroupsOf(r.pid())).isEmpty();
        assertThat(target.acceptedBeforeSentinel()).isZero();
    }
}
