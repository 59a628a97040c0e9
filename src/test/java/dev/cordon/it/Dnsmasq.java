package dev.cordon.it;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The upstream the tests give cordon: dnsmasq on 127.0.0.1 and a free port, with only the records
 * a test names (no resolv.conf, no hosts file, no other upstream), so nothing ever leaves the host.
 * Logs every query it gets, so a test can prove that a blocked name was never forwarded.
 */
final class Dnsmasq implements AutoCloseable {
    private final List<String> records = new ArrayList<>();
    private int ttl = 60;
    private boolean logQueries = true;
    private Process process;
    private int port;
    private Path log;

    Dnsmasq host(String name, String... ips) {
        for (String ip : ips) records.add("--host-record=" + name + "," + ip);
        return this;
    }

    Dnsmasq cname(String alias, String target) {
        records.add("--cname=" + alias + "," + target);
        return this;
    }

    /** No query log: under load (DnsLoadIT) logging every query would cost dnsmasq more than answering it. */
    Dnsmasq quiet() {
        this.logQueries = false;
        return this;
    }

    Dnsmasq ttl(int seconds) {
        this.ttl = seconds;
        return this;
    }

    Dnsmasq start(Path dir) throws IOException {
        log = dir.resolve("dnsmasq.log");
        IOException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
                port = probe.getLocalPort();
            }
            List<String> cmd = new ArrayList<>(List.of("/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                    "--no-resolv", "--no-hosts", "--no-poll", "--bind-interfaces", "--listen-address=127.0.0.1",
                    "--port=" + port, "--pid-file=" + dir.resolve("dnsmasq.pid"), "--user=root",
                    "--local-ttl=" + ttl, "--log-facility=" + log));
            if (logQueries) cmd.add("--log-queries");
            cmd.addAll(records);
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dnsmasq.out").toFile()).start();
            if (awaitReady()) return this;
            Host.kill(process);
            last = new IOException("dnsmasq did not come up on port " + port + ": " + Files.readString(dir.resolve("dnsmasq.out")));
        }
        throw last;
    }

    /** Asks for a name dnsmasq does not know (REFUSED or NXDOMAIN is fine: it answered). Bounded. */
    private boolean awaitReady() throws IOException {
        byte[] q = {0x00, 0x01, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 'p', 'r', 'o', 'b', 'e', 0, 0, 1, 0, 1};
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(100);
            s.connect(new InetSocketAddress("127.0.0.1", port));
            return Host.await(Duration.ofSeconds(5), () -> {
                if (!process.isAlive()) return true; // reported below
                try {
                    s.send(new DatagramPacket(q, q.length));
                    s.receive(new DatagramPacket(new byte[512], 512));
                    return true;
                } catch (IOException e) {
                    return false;
                }
            }) && process.isAlive();
        }
    }

    int port() {
        return port;
    }

    String upstream() {
        return "127.0.0.1:" + port;
    }

    /** The names dnsmasq was asked for, as its log says ("query[A] name from ..."). */
    List<String> queriesSeen() {
        try {
            if (!Files.exists(log)) return List.of();
            return Files.readAllLines(log).stream().filter(l -> l.contains(" query[")).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean wasAskedFor(String name) {
        return queriesSeen().stream().anyMatch(l -> l.matches(".* query\\[[A-Z0-9]+\\] " + java.util.regex.Pattern.quote(name) + " from .*"));
    }

    @Override
    public void close() {
        if (process != null) Host.kill(process);
    }
}
