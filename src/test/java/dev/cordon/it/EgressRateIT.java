package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * --egress-rate caps the session's outbound bandwidth in the kernel: iperf3 through a veth pair
 * into a test network namespace reaches the cap (±15%), while the same transfer from outside the
 * session is not slowed, and UDP past the cap is dropped, not queued.
 */
class EgressRateIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final int IPERF_PORT = 5299;

    private NetnsTestHost hostWithIperf() throws IOException {
        NetnsTestHost h = NetnsTestHost.start(kernel.dir());
        kernel.closeAfter(h);
        h.spawn(kernel.dir().resolve("iperf3-server.log"), "iperf3", "-s", "-B", h.ip(), "-p", Integer.toString(IPERF_PORT));
        assertThat(Await.until(Duration.ofSeconds(10), () -> Host.run("python3", "-c",
                "import socket; socket.create_connection(('" + h.ip() + "', " + IPERF_PORT + "), 1).close()").exit() == 0))
                .as("iperf3 server up").isTrue();
        return h;
    }

    private static List<String> iperf(NetnsTestHost h, String... extra) {
        List<String> argv = new java.util.ArrayList<>(List.of("iperf3", "-c", h.ip(), "-p", Integer.toString(IPERF_PORT), "-t", "5", "-J"));
        argv.addAll(List.of(extra));
        return argv;
    }

    /** Received bits per second from iperf3's JSON. */
    private static double received(String json, boolean udp) {
        String key = udp ? "sum" : "sum_received";
        Host.Out o = Host.run(Duration.ofSeconds(10), "python3", "-c",
                "import json,sys; e=json.loads(sys.argv[1])['end']; s=e['" + key + "']; "
                        + "print(s['bits_per_second'] * (1 - s.get('lost_percent', 0) / 100))", json);
        return Double.parseDouble(o.requireOk("read iperf3's result").out().strip());
    }

    @Test
    void tcpReachesTheCapAndTrafficOutsideTheSessionIsNotSlowed() throws IOException {
        NetnsTestHost h = hostWithIperf();
        List<String> run = new java.util.ArrayList<>(List.of("run", "--no-dns-proxy", "--egress-rate", "20Mbit", "--"));
        run.addAll(iperf(h));
        CordonResult capped = kernel.start(run).await(Duration.ofSeconds(40));
        assertThat(capped.exitCode()).as("%s", capped).isZero();
        double bps = received(capped.stdout(), false);
        assertThat(bps).as("TCP under --egress-rate 20Mbit").isBetween(17e6, 23e6);

        Host.Out outside = Host.run(Duration.ofSeconds(40), iperf(h).toArray(String[]::new));
        assertThat(received(outside.requireOk("iperf3 outside the session").out(), false)).as("the same outside the session")
                .isGreaterThan(10 * 20e6);
    }

    @Test
    void udpPastTheCapIsDroppedNotQueued() throws IOException {
        NetnsTestHost h = hostWithIperf();
        List<String> run = new java.util.ArrayList<>(List.of("run", "--no-dns-proxy", "--egress-rate", "2MB/s", "--"));
        run.addAll(iperf(h, "-u", "-b", "100M"));
        CordonResult r = kernel.start(run).await(Duration.ofSeconds(40));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(received(r.stdout(), true)).as("UDP received under --egress-rate 2MB/s (16 Mbit/s)").isBetween(13.6e6, 18.4e6);
    }

    @Test
    void aGuardCapsWhatRunsInItsCgroup() throws IOException {
        NetnsTestHost h = hostWithIperf();
        TestCgroup cg = kernel.closeAfter(TestCgroup.create(kernel.cgroupRoot()));
        CgroupShell shell = cg.shell(cg.path(), kernel.dir());
        CordonProcess guard = kernel.start("guard", "--cgroup", cg.path().toString(), "--no-dns-proxy", "--egress-rate", "20Mbit");
        Await.require(Duration.ofSeconds(30), "the guard", () -> guard.stderrSoFar().contains("cordon: guarding ") || !guard.isAlive(),
                guard::toString);
        CgroupShell.Done capped = shell.run(String.join(" ", iperf(h)), Duration.ofSeconds(40));
        assertThat(capped.status()).as(capped.output()).isZero();
        assertThat(received(capped.output(), false)).as("TCP from a guarded cgroup under --egress-rate 20Mbit").isBetween(17e6, 23e6);
        guard.signal("TERM");
        assertThat(guard.await(Duration.ofSeconds(30)).exitCode()).isZero();
    }
}
