package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/** --events FILE: every attempt (allowed ones too) and every exec of the session, as JSON Lines. */
class EventsFileIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    @Test
    void eventsFileHoldsAllowedAndBlockedAttemptsAndExecRecords() throws Exception {
        TcpListener allowed = kernel.tcp("127.0.0.3");
        TcpListener denied = kernel.tcp("127.0.0.2");
        Path events = kernel.dir().resolve("events.jsonl");
        List<String> first = kernel.netclient(allowed.spec());
        List<String> second = kernel.netclient(denied.spec());
        String script = String.join(" ", first) + " && " + String.join(" ", second);

        CordonResult r = kernel.run("run", "--events", events.toString(), "--deny-cidr", "127.0.0.2", "--", "sh", "-c", script);

        assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
        assertThat(allowed.awaitAccepted(1, Duration.ofSeconds(5))).isTrue();
        assertThat(denied.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).as("stderr still has only the violation").singleElement()
                .satisfies(l -> assertThat(l.raw()).startsWith("WARN CONNECT BLOCKED "));

        List<Map<String, String>> records = JsonLines.read(events);
        List<String> pids = r.stdoutLines().stream().filter(l -> l.startsWith("PID ")).map(l -> l.substring(4)).toList();
        assertThat(pids).hasSize(2);

        List<Map<String, String>> execs = records.stream().filter(m -> "exec".equals(m.get("type"))).toList();
        assertThat(execs).as("exec records\n%s", records).extracting(m -> m.get("cmd"))
                .contains("sh -c " + script, String.join(" ", first), String.join(" ", second));
        assertThat(execs).filteredOn(m -> m.get("cmd").equals(String.join(" ", first))).singleElement()
                .satisfies(m -> {
                    assertThat(m.get("pid")).isEqualTo(pids.get(0));
                    assertThat(m.get("argv")).startsWith("[\"" + first.get(0) + "\"");
                });

        List<Map<String, String>> connects = records.stream().filter(m -> "connect".equals(m.get("type"))).toList();
        assertThat(connects).as("connect records\n%s", records).hasSize(2);
        assertThat(connects.get(0)).containsEntry("verdict", "allowed").containsEntry("blocked", "false")
                .containsEntry("ip", "127.0.0.3").containsEntry("port", Integer.toString(allowed.port()))
                .containsEntry("proto", "tcp").containsEntry("pid", pids.get(0))
                .containsEntry("cmd", String.join(" ", first)).containsEntry("rule", "loopback")
                .containsEntry("mode", "enforce");
        assertThat(connects.get(1)).containsEntry("verdict", "blocked").containsEntry("blocked", "true")
                .containsEntry("ip", "127.0.0.2").containsEntry("port", Integer.toString(denied.port()))
                .containsEntry("pid", pids.get(1)).containsEntry("cmd", String.join(" ", second))
                .containsEntry("rule", "127.0.0.2/32");
        // The run's first and last records frame it; every kernel record between names the session's cgroup.
        assertThat(records.getFirst()).containsEntry("type", "run-start");
        assertThat(records.getLast()).containsEntry("type", "run-end").containsEntry("commandStatus", "1")
                .containsEntry("exitStatus", "1").containsEntry("violations", "1");
        List<Map<String, String>> kernelRecords = records.subList(1, records.size() - 1);
        assertThat(kernelRecords).extracting(m -> m.get("cgroupId")).doesNotContainNull()
                .containsOnly(kernelRecords.getFirst().get("cgroupId"));
    }

    @Test
    void eventsFileRecordsAuditedAndAllowedUdp() throws Exception {
        UdpListener target = kernel.udp("127.0.0.2");
        UdpListener other = kernel.udp("::1");
        Path events = kernel.dir().resolve("events.jsonl");

        CordonResult r = kernel.run(args(List.of("run", "--mode", "audit", "--events", events.toString(), "--deny-cidr", "127.0.0.2", "--"),
                kernel.netclient(target.spec("udp"), other.spec("udp"))));

        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(target.receivedBeforeSentinel()).hasSize(1);
        assertThat(other.receivedBeforeSentinel()).hasSize(1);
        List<Map<String, String>> sends = JsonLines.read(events).stream().filter(m -> "sendmsg".equals(m.get("type"))).toList();
        assertThat(sends).hasSize(2);
        assertThat(sends.get(0)).containsEntry("verdict", "audited").containsEntry("blocked", "false")
                .containsEntry("ip", "127.0.0.2").containsEntry("proto", "udp").containsEntry("mode", "audit");
        assertThat(sends.get(1)).containsEntry("verdict", "allowed").containsEntry("ip", "::1")
                .containsEntry("family", "ipv6").containsEntry("ipv6Mapped", "false");
    }

}
