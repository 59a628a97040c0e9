package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * UDP: an unconnected sendto() is only seen by the sendmsg hooks, a connected socket by the
 * connect hooks; both must fail with EPERM at once when denied, and the datagram must not arrive.
 */
class UdpIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    static final Duration FAST = Duration.ofSeconds(1);

    @Test
    void unconnectedSendtoToADeniedAddressFailsWithEpermAndIsReportedAsSendmsg() {
        UdpListener denied = kernel.udp("127.0.0.2");
        UdpListener allowed = kernel.udp("127.0.0.3");
        String deniedSpec = denied.spec("udp"), allowedSpec = allowed.spec("udp");

        CordonResult r = kernel.run(args(List.of("run", "--deny-cidr", "127.0.0.2", "--"), kernel.netclient(allowedSpec, deniedSpec)));

        CordonResult.ClientAttempt a = r.attempt(deniedSpec);
        assertThat(a.op()).isEqualTo("sendto");
        assertThat(a.errno()).as("%s", r).isEqualTo(1);
        assertThat(a.elapsed()).isLessThan(FAST);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(denied.receivedBeforeSentinel()).as("datagrams that reached the denied address").isEmpty();
        assertThat(r.attempt(allowedSpec).ok()).isTrue();
        assertThat(allowed.receivedBeforeSentinel()).containsExactly("hello from " + r.clientPid() + "\n");

        assertThat(r.attemptLines()).as("%s", r).singleElement().satisfies(l -> {
            assertThat(l.words()).containsExactly("WARN", "SENDMSG", "BLOCKED");
            assertThat(l.fields()).containsEntry("blockedAt", "sendmsg").containsEntry("proto", "udp")
                    .containsEntry("ip", "127.0.0.2").containsEntry("port", Integer.toString(denied.port()))
                    .containsEntry("pid", Long.toString(r.clientPid())).containsEntry("rule", "127.0.0.2/32")
                    .containsEntry("mode", "enforce");
        });
    }

    @Test
    void connectedUdpToADeniedAddressFailsWithEpermAtConnect() {
        UdpListener denied = kernel.udp("127.0.0.2");
        String spec = denied.spec("udp-connected");

        CordonResult r = kernel.run(args(List.of("run", "--deny-cidr", "127.0.0.2", "--"), kernel.netclient(spec)));

        CordonResult.ClientAttempt a = r.attempt(spec);
        assertThat(a.op()).isEqualTo("connect");
        assertThat(a.errno()).as("%s", r).isEqualTo(1);
        assertThat(a.elapsed()).isLessThan(FAST);
        assertThat(denied.receivedBeforeSentinel()).isEmpty();
        assertThat(r.attemptLines()).as("%s", r).singleElement().satisfies(l -> {
            assertThat(l.words()).containsExactly("WARN", "CONNECT", "BLOCKED");
            assertThat(l.fields()).containsEntry("proto", "udp").containsEntry("ip", "127.0.0.2");
        });
    }

    @Test
    void udpFromAnIpv6SocketToAMappedOrV6DeniedAddressFailsWithEperm() {
        UdpListener v4 = kernel.udp("127.0.0.2");
        UdpListener v6 = kernel.udp("::1");
        String mapped = "udp:::ffff:127.0.0.2:" + v4.port();
        String mappedConnected = "udp-connected:::ffff:127.0.0.2:" + v4.port();
        String loop6 = v6.spec("udp");

        CordonResult r = kernel.run(args(List.of("run", "--deny-cidr", "127.0.0.2", "--deny-cidr", "::1", "--"),
                kernel.netclient(mapped, mappedConnected, loop6)));

        for (String spec : List.of(mapped, mappedConnected, loop6)) {
            assertThat(r.attempt(spec).errno()).as("%s\n%s", spec, r).isEqualTo(1);
            assertThat(r.attempt(spec).elapsed()).isLessThan(FAST);
        }
        assertThat(v4.receivedBeforeSentinel()).isEmpty();
        assertThat(v6.receivedBeforeSentinel()).isEmpty();
        List<LogLine> lines = r.attemptLines();
        assertThat(lines).as("%s", r).hasSize(3);
        assertThat(lines.get(0).words()).containsExactly("WARN", "SENDMSG", "BLOCKED");
        assertThat(lines.get(0).fields()).containsEntry("ip", "127.0.0.2").containsEntry("ipv6Mapped", "true");
        assertThat(lines.get(1).words()).containsExactly("WARN", "CONNECT", "BLOCKED");
        assertThat(lines.get(1).fields()).containsEntry("ip", "127.0.0.2").containsEntry("ipv6Mapped", "true").containsEntry("proto", "udp");
        assertThat(lines.get(2).words()).containsExactly("WARN", "SENDMSG", "BLOCKED");
        assertThat(lines.get(2).fields()).containsEntry("ip", "::1").containsEntry("rule", "::1/128").doesNotContainKey("ipv6Mapped");
    }

    @Test
    void auditModeDeliversTheDatagramAndReportsIt() {
        UdpListener target = kernel.udp("127.0.0.2");
        String spec = target.spec("udp");

        CordonResult r = kernel.run(args(List.of("run", "--mode", "audit", "--deny-cidr", "127.0.0.2", "--"), kernel.netclient(spec)));

        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(target.receivedBeforeSentinel()).containsExactly("hello from " + r.clientPid() + "\n");
        assertThat(r.attemptLines()).singleElement().satisfies(l -> {
            assertThat(l.raw()).startsWith("WARN SENDMSG AUDIT ");
            assertThat(l.fields()).containsEntry("blocked", "false").containsEntry("mode", "audit")
                    .containsEntry("pid", Long.toString(r.clientPid()));
        });
    }
}
