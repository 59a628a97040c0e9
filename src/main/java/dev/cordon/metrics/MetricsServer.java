package dev.cordon.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves {@link GuardMetrics} over HTTP with the Prometheus client's exporter on the JDK's
 * HttpServer: {@code /metrics} (text, OpenMetrics or protobuf, as the scraper asks; gzip when
 * accepted), {@code /-/healthy}, and a landing page at {@code /}. Two daemon threads answer.
 */
public final class MetricsServer implements AutoCloseable {
    /** Scrapes answered at once; a third waits (Prometheus HA pairs scrape twice per interval). */
    static final int THREADS = 2;

    private final HTTPServer server;
    private final InetSocketAddress address;

    private MetricsServer(HTTPServer server, InetSocketAddress address) {
        this.server = server;
        this.address = address;
    }

    /**
     * Binds {@code where} and starts serving.
     *
     * @throws IOException saying why it cannot listen there (in use, not an address of this host, ...)
     */
    public static MetricsServer start(MetricsAddress where, GuardMetrics metrics) throws IOException {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS, Thread.ofPlatform().name("cordon-metrics-", 0).daemon(true).factory());
        try {
            HTTPServer server = HTTPServer.builder(metrics.properties())
                    .inetAddress(where.socket().getAddress()).port(where.socket().getPort())
                    .registry(metrics.registry()).executorService(threads).buildAndStart();
            return new MetricsServer(server, new InetSocketAddress(where.socket().getAddress(), server.getPort()));
        } catch (BindException e) {
            threads.shutdownNow();
            throw new IOException(why(where, e), e);
        } catch (IOException | RuntimeException e) {
            threads.shutdownNow();
            throw new IOException("cannot serve metrics on " + where.text() + ": " + e.getMessage(), e);
        }
    }

    private static String why(MetricsAddress where, BindException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("in use")) {
            return "cannot serve metrics on " + where.text() + ": something else listens there (address already in use); "
                    + "pick another port, or port 0 for any free one";
        }
        if (m.contains("assign")) {
            return "cannot serve metrics on " + where.text() + ": no interface of this host has that address";
        }
        return "cannot serve metrics on " + where.text() + ": " + m;
    }

    /** Where it listens (the port chosen when port 0 was asked for). */
    public InetSocketAddress address() {
        return address;
    }

    /** {@code http://127.0.0.1:9464/metrics}. */
    public String url() {
        return "http://" + MetricsAddress.text(address) + "/metrics";
    }

    @Override
    public void close() {
        server.close();
    }
}
