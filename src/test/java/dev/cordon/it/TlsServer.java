package dev.cordon.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An HTTPS server on one loopback address (IPv4 or IPv6) and a free port: python3's ssl and
 * http.server (tls_server.py), with a self-signed certificate the test makes. Every GET is answered
 * "hello NAME over TLSvX", NAME being the server name the client sent.
 */
final class TlsServer implements AutoCloseable {
    private final Process process;
    private final String address;
    private final int port;

    private TlsServer(Process process, String address, int port) {
        this.process = process;
        this.address = address;
        this.port = port;
    }

    /** A self-signed certificate and key in {@code dir} (cert.pem, key.pem), made once. */
    static void makeCertificate(Path dir) {
        Path cert = dir.resolve("cert.pem");
        if (Files.exists(cert)) return;
        Host.Out out = Host.run(Duration.ofSeconds(60), "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", dir.resolve("key.pem").toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=cordon-test");
        if (!Files.exists(cert)) throw new IllegalStateException("openssl could not make a certificate:\n" + out);
    }

    static TlsServer start(Path dir, Path script, String address) throws IOException {
        makeCertificate(dir);
        Process p = new ProcessBuilder("python3", script.toString(), address, dir.resolve("cert.pem").toString(),
                dir.resolve("key.pem").toString()).redirectErrorStream(true).start();
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first;
        try {
            first = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("tls_server.py on " + address + " did not start", e);
        }
        if (first == null || !first.startsWith("port ")) {
            p.destroyForcibly();
            throw new IllegalStateException("tls_server.py on " + address + " said: " + first);
        }
        Thread.ofPlatform().daemon(true).start(() -> { // keep the pipe drained
            try {
                while (in.readLine() != null) { }
            } catch (IOException ignored) {
                // the server was stopped
            }
        });
        return new TlsServer(p, address, Integer.parseInt(first.substring(5).strip()));
    }

    String address() {
        return address;
    }

    int port() {
        return port;
    }

    /** curl's {@code --resolve} argument sending {@code name} to this server. */
    String resolve(String name) {
        return name + ":" + port + ":" + (address.contains(":") ? "[" + address + "]" : address);
    }

    String url(String name) {
        return "https://" + name + ":" + port + "/";
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
