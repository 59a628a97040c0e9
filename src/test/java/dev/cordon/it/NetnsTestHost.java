package dev.cordon.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test host that is not loopback (loopback is always allowed by cordon): a network namespace
 * behind a veth pair, 10.231.N.1/30 and fdce:d0c5:0:N::1/64 on the host side, 10.231.N.2 and
 * fdce:d0c5:0:N::2 inside, running an HTTP server (port 8000) and a TCP echo server (port 9000)
 * on both addresses. Nothing is routed beyond the pair.
 * Created and removed by the test; close() removes everything and checks that it is gone.
 */
final class NetnsTestHost implements AutoCloseable {
    static final String PREFIX = "cdnsit-";
    static final int HTTP_PORT = 8000;
    static final int ECHO_PORT = 9000;
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final String netns;
    private final String hostIf;
    private final String nsIf;
    private final String hostIp;
    private final String ip;
    private final String hostIp6;
    private final String ip6;
    private Process server;
    private Path serverOut;
    private final List<Process> spawned = new java.util.ArrayList<>();

    private NetnsTestHost(Path dir) throws IOException {
        removeStale();
        long me = ProcessHandle.current().pid();
        int seq = SEQ.incrementAndGet();
        netns = PREFIX + me + "-" + seq;
        String tag = Long.toString(me % 100_000) + seq;
        hostIf = "cdh" + tag;
        nsIf = "cdn" + tag;
        int subnet = freeSubnet();
        hostIp = "10.231." + subnet + ".1";
        ip = "10.231." + subnet + ".2";
        hostIp6 = "fdce:d0c5:0:" + Integer.toHexString(subnet) + "::1";
        ip6 = "fdce:d0c5:0:" + Integer.toHexString(subnet) + "::2";
        try {
            Host.run("ip", "netns", "add", netns).requireOk("ip netns add");
            Host.run("ip", "link", "add", hostIf, "type", "veth", "peer", "name", nsIf).requireOk("ip link add veth");
            Host.run("ip", "link", "set", nsIf, "netns", netns).requireOk("move veth");
            Host.run("ip", "addr", "add", hostIp + "/30", "dev", hostIf).requireOk("host addr");
            Host.run("ip", "-6", "addr", "add", hostIp6 + "/64", "dev", hostIf, "nodad").requireOk("host addr6");
            Host.run("ip", "link", "set", hostIf, "up").requireOk("host link up");
            Host.run("ip", "netns", "exec", netns, "ip", "addr", "add", ip + "/30", "dev", nsIf).requireOk("ns addr");
            Host.run("ip", "netns", "exec", netns, "ip", "-6", "addr", "add", ip6 + "/64", "dev", nsIf, "nodad").requireOk("ns addr6");
            Host.run("ip", "netns", "exec", netns, "ip", "link", "set", nsIf, "up").requireOk("ns link up");
            Host.run("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up").requireOk("ns lo up");
            Path script = Host.script(dir, "netns_server.py");
            Path out = dir.resolve("netns-server-" + netns + ".out");
            serverOut = out;
            server = new ProcessBuilder("ip", "netns", "exec", netns, "/usr/bin/python3", script.toString(), ip + "," + ip6,
                    Integer.toString(HTTP_PORT), Integer.toString(ECHO_PORT))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            // Ready when both ports accept from the host side (outside any session).
            boolean up = Host.await(Duration.ofSeconds(10), () -> server.isAlive()
                    && accepts(ip, HTTP_PORT) && accepts(ip, ECHO_PORT) && accepts(ip6, HTTP_PORT) && accepts(ip6, ECHO_PORT));
            if (!up) throw new IOException("netns test server did not come up: " + Files.readString(out));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    static NetnsTestHost start(Path dir) throws IOException {
        return new NetnsTestHost(dir);
    }

    String ip() {
        return ip;
    }

    /** Datagrams that reached UDP port 53 of the test host so far (each a DNS query that left the session). */
    List<String> udp53Received() {
        try {
            return Files.readAllLines(serverOut).stream().filter(l -> l.startsWith("udp53 ")).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The test host's IPv6 address (ULA, on the veth pair only). */
    String ip6() {
        return ip6;
    }

    String netns() {
        return netns;
    }

    /** Starts {@code argv} inside the test host (output to {@code log}); stopped by {@link #close}. */
    Process spawn(Path log, String... argv) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip", "netns", "exec", netns));
        cmd.addAll(List.of(argv));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        spawned.add(p);
        return p;
    }

    private static boolean accepts(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A /30 in 10.231.100-249.0 (and its fdce:d0c5:0:N::/64) that no interface or route on the host uses yet. */
    private static int freeSubnet() {
        String addrs = Host.run("ip", "addr").out() + Host.run("ip", "-4", "route").out() + Host.run("ip", "-6", "route").out();
        for (int attempt = 0; attempt < 50; attempt++) {
            int n = ThreadLocalRandom.current().nextInt(100, 250);
            if (!addrs.contains("10.231." + n + ".") && !addrs.contains("fdce:d0c5:0:" + Integer.toHexString(n) + ":")) return n;
        }
        throw new IllegalStateException("no free 10.231.x.0/30 for a test host");
    }

    /** Namespaces a crashed earlier run of these tests left (their JVM is gone). */
    private static void removeStale() {
        for (String line : Host.run("ip", "netns", "list").out().split("\n")) {
            String name = line.split(" ")[0];
            if (!name.startsWith(PREFIX)) continue;
            String[] parts = name.substring(PREFIX.length()).split("-");
            try {
                if (!Host.alive(Long.parseLong(parts[0]))) Host.run("ip", "netns", "del", name);
            } catch (NumberFormatException e) {
                // not ours
            }
        }
    }

    static List<String> namespaces() {
        return Host.run("ip", "netns", "list").out().lines().map(l -> l.split(" ")[0]).toList();
    }

    static boolean linkExists(String name) {
        return Host.run("ip", "link", "show", "dev", name).exit() == 0;
    }

    @Override
    public void close() {
        for (Process p : spawned) Host.kill(p);
        if (server != null) Host.kill(server);
        Host.run("ip", "netns", "del", netns);   // takes the veth pair with it
        if (linkExists(hostIf)) Host.run("ip", "link", "del", hostIf);
        if (namespaces().contains(netns)) throw new IllegalStateException("netns " + netns + " is still there");
        if (linkExists(hostIf)) throw new IllegalStateException("veth " + hostIf + " is still there");
    }
}
