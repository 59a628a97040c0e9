package dev.cordon.it;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** An HTTP server on one loopback address and a free port; answers "hello from IP". Counts requests. */
final class LoopbackWeb implements AutoCloseable {
    private final HttpServer server;
    private final String ip;
    final AtomicInteger requests = new AtomicInteger();

    LoopbackWeb(String ip) throws IOException {
        this.ip = ip;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(ip), 0), 32);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] body = ("hello from " + ip + "\n").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    String ip() {
        return ip;
    }

    int port() {
        return server.getAddress().getPort();
    }

    String body() {
        return "hello from " + ip;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
