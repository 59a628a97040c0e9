package dev.cordon.demo;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's little world on loopback: a real DNS server (dnsmasq) that answers the GitHub names
 * and an internal one with loopback test addresses, and tiny HTTP servers behind them. Nothing
 * leaves the machine. Everything is torn down on close.
 */
final class DemoWorld implements AutoCloseable {
    /** name → loopback address; the CNAME shows a chain into a blocked name. */
    static final Map<String, String> HOSTS = new LinkedHashMap<>();
    static final String CNAME_ALIAS = "tools-mirror.internal";
    static final String CNAME_TARGET = "objects.githubusercontent.com";

    static {
        HOSTS.put("github.com", "127.0.0.10");
        HOSTS.put("api.github.com", "127.0.0.10");
        HOSTS.put("objects.githubusercontent.com", "127.0.0.11");
        HOSTS.put("deploy-api.internal", "127.0.0.12");
    }

    private final List<HttpServer> http = new ArrayList<>();
    private Process dnsmasq;
    private final int httpPort;
    private final int dnsPort;
    private final Path dir;

    private DemoWorld(Path dir, int httpPort, int dnsPort) throws IOException {
        this.dir = dir;
        this.httpPort = startHttp(httpPort);
        this.dnsPort = startDns(dnsPort);
    }

    static DemoWorld start(Path dir) throws IOException {
        return new DemoWorld(dir, 0, 0);
    }

    /** With fixed ports (0: any free one), for `cordon demo world`. */
    static DemoWorld start(Path dir, int httpPort, int dnsPort) throws IOException {
        try {
            return new DemoWorld(dir, httpPort, dnsPort);
        } catch (java.net.BindException e) {
            throw new IOException("port " + httpPort + " is taken on 127.0.0.10-12; choose another with --http-port", e);
        }
    }

    int httpPort() {
        return httpPort;
    }

    int dnsPort() {
        return dnsPort;
    }

    private int startHttp(int fixedPort) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < (fixedPort == 0 ? 20 : 1); attempt++) {
            closeHttp();
            try {
                int port = fixedPort;
                for (String ip : HOSTS.values().stream().distinct().toList()) {
                    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(ip), port), 16);
                    port = s.getAddress().getPort();
                    s.createContext("/", ex -> {
                        byte[] body = ("demo " + ex.getRequestHeaders().getFirst("Host") + ex.getRequestURI() + "\n")
                                .getBytes(StandardCharsets.UTF_8);
                        ex.sendResponseHeaders(200, body.length);
                        ex.getResponseBody().write(body);
                        ex.close();
                    });
                    s.start();
                    http.add(s);
                }
                return port;
            } catch (java.net.BindException e) {
                last = e;
            }
        }
        if (fixedPort != 0) throw last;
        throw new IOException("cannot bind the demo HTTP servers", last);
    }

    private int startDns(int fixedPort) throws IOException {
        Path dnsmasqBin = Path.of("/usr/sbin/dnsmasq");
        if (!Files.isExecutable(dnsmasqBin)) {
            throw new IOException("the demo needs dnsmasq (/usr/sbin/dnsmasq): install it with bin/setup or apt-get install dnsmasq-base");
        }
        int port = fixedPort;
        if (port == 0) {
            try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
                port = probe.getLocalPort();
            }
        }
        List<String> cmd = new ArrayList<>(List.of(dnsmasqBin.toString(), "--keep-in-foreground", "--conf-file=/dev/null",
                "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1", "--port=" + port,
                "--pid-file=" + dir.resolve("dnsmasq.pid"), "--local-ttl=60"));
        HOSTS.forEach((name, ip) -> cmd.add("--host-record=" + name + "," + ip));
        cmd.add("--cname=" + CNAME_ALIAS + "," + CNAME_TARGET);
        dnsmasq = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("dnsmasq.log").toFile()).start();
        awaitDns(port);
        return port;
    }

    /** Polls dnsmasq with a real query until it answers (bounded), so the demo never races its start. */
    private void awaitDns(int port) throws IOException {
        byte[] q = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 6, 'g', 'i', 't', 'h', 'u', 'b', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(100);
            s.connect(new InetSocketAddress("127.0.0.1", port));
            while (System.nanoTime() < deadline) {
                if (!dnsmasq.isAlive()) {
                    throw new IOException("dnsmasq could not serve 127.0.0.1:" + port + ": "
                            + Files.readString(dir.resolve("dnsmasq.log")).strip());
                }
                try {
                    s.send(new java.net.DatagramPacket(q, q.length));
                    byte[] buf = new byte[512];
                    s.receive(new java.net.DatagramPacket(buf, buf.length));
                    return;
                } catch (java.net.SocketTimeoutException | java.net.PortUnreachableException e) {
                    // not up yet
                }
            }
        }
        throw new IOException("dnsmasq did not answer on 127.0.0.1:" + port + " within 5 s");
    }

    private void closeHttp() {
        for (HttpServer s : http) s.stop(0);
        http.clear();
    }

    @Override
    public void close() {
        closeHttp();
        if (dnsmasq != null) {
            dnsmasq.destroy();
            try {
                if (!dnsmasq.waitFor(3, java.util.concurrent.TimeUnit.SECONDS)) dnsmasq.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
