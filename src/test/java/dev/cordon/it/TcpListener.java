package dev.cordon.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP listener on one loopback address and an ephemeral port. It records every connection it
 * accepts (in accept order) and answers each with a tiny HTTP response, so curl exits 0.
 */
final class TcpListener implements AutoCloseable {
    private static final byte[] RESPONSE =
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
                    .getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final String address;
    private final Thread acceptor;
    private final List<InetSocketAddress> accepted = new ArrayList<>();

    TcpListener(String address) {
        this.address = address;
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName(address), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address, e);
        }
        acceptor = Thread.ofPlatform().daemon(true).name("tcp-listener-" + address).start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                synchronized (accepted) {
                    accepted.add((InetSocketAddress) s.getRemoteSocketAddress());
                    accepted.notifyAll();
                }
                answer(s);
            } catch (IOException e) {
                // closed, or the client went away early: keep serving until closed
            }
        }
    }

    /** Reads the request head (bounded), then answers. Clients that only send a line get the answer too. */
    private static void answer(Socket s) throws IOException {
        s.setSoTimeout(2000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        StringBuilder head = new StringBuilder();
        try {
            int n;
            while (head.length() < 65536 && (n = in.read(buf)) > 0) {
                head.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                if (head.indexOf("\r\n\r\n") >= 0 || head.indexOf("hello from ") >= 0) break;
            }
        } catch (SocketTimeoutException ignored) {
            // answer anyway
        }
        OutputStream out = s.getOutputStream();
        out.write(RESPONSE);
        out.flush();
    }

    String host() {
        return address;
    }

    int port() {
        return server.getLocalPort();
    }

    /** {@code tcp:HOST:PORT} for netclient.py. */
    String spec() {
        return "tcp:" + host() + ":" + port();
    }

    /** A URL for curl (IPv6 hosts in brackets). */
    String url() {
        String h = host();
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port() + "/";
    }

    List<InetSocketAddress> accepted() {
        synchronized (accepted) {
            return List.copyOf(accepted);
        }
    }

    /** Waits (bounded) until at least {@code n} connections were accepted. */
    boolean awaitAccepted(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (accepted) {
            while (accepted.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                try {
                    accepted.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * How many connections reached this listener in total until now, counted exactly: a sentinel connection
     * from the test (outside any session) is queued behind whatever the kernel already completed, and
     * accept() takes the queue in order, so once the sentinel is accepted everything before it is known.
     */
    int acceptedBeforeSentinel() {
        int before;
        int localPort;
        try (Socket sentinel = new Socket()) {
            sentinel.connect(new InetSocketAddress(server.getInetAddress(), port()), 2000);
            localPort = sentinel.getLocalPort();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            synchronized (accepted) {
                while (accepted.stream().noneMatch(a -> a.getPort() == localPort)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) throw new AssertionError("the listener on " + host() + " did not accept the test's sentinel connection");
                    accepted.wait(Math.max(1, left / 1_000_000));
                }
                before = 0;
                for (InetSocketAddress a : accepted) {
                    if (a.getPort() == localPort) break;
                    before++;
                }
                accepted.removeIf(a -> a.getPort() == localPort);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("sentinel connection to " + host() + ":" + port() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return before;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            acceptor.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TcpListener[" + host() + ":" + port() + " accepted=" + accepted() + "]";
    }
}
