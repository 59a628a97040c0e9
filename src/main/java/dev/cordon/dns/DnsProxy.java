package dev.cordon.dns;

import dev.cordon.sys.Libc;
import dev.cordon.sys.UdpSocket;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The session's DNS proxy: UDP and TCP on 127.0.0.1 and ::1, all on one port (the kernel
 * redirects the command's DNS there). UDP is served by one {@link UdpLoop} thread; each TCP
 * connection by a virtual thread, which runs a query's steps and waits for upstream in place.
 * Queries in flight are capped: past the cap a query gets SERVFAIL at once, never a wait.
 */
public final class DnsProxy implements AutoCloseable {
    public record Options(int maxInFlight, Duration tcpIdleTimeout) {
        public static final Options DEFAULT = new Options(1024, Duration.ofSeconds(10));
    }

    /** Queries queue in the kernel while the loop works through a batch: room for a burst, not a drop. */
    private static final int RECEIVE_BUFFER = 4 << 20;
    /** Swapped whole by a policy reload: each query is handled by the handler it started with. */
    private volatile QueryHandler handler;
    /** Shared by every handler of the session (a reload keeps the counters). */
    private final DnsLatency latency;
    private final Options options;
    private final List<UdpSocket> udp = new ArrayList<>();
    private final List<ServerSocketChannel> tcp = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    /** Queries on virtual threads: TCP ones, and UDP ones that wait (truncated answers, simulated outages). */
    private final Semaphore inFlight;
    /** Open TCP connections, capped like queries: each holds a virtual thread and a socket. */
    private final Semaphore tcpConnections;
    private final UdpLoop loop;
    private final int port;
    private volatile boolean closed;

    private DnsProxy(QueryHandler handler, List<InetSocketAddress> upstreams, Duration upstreamTimeout, Options options,
                     boolean ipv6) throws IOException {
        this.handler = handler;
        this.latency = handler.counters().latency;
        this.options = options;
        this.inFlight = new Semaphore(options.maxInFlight());
        this.tcpConnections = new Semaphore(options.maxInFlight());
        this.port = bindAll(ipv6);
        try {
            this.loop = new UdpLoop(udp, upstreams, upstreamTimeout, options.maxInFlight(), () -> this.handler, workers, inFlight, latency);
        } catch (Libc.ErrnoException e) {
            closeSockets();
            throw e;
        }
        start("cordon-dns-udp", loop);
        for (ServerSocketChannel s : tcp) start("cordon-dns-tcp", () -> acceptTcp(s));
    }

    /** Binds and starts serving. IPv6 listeners are skipped only when the host has no ::1. */
    public static DnsProxy start(QueryHandler handler, List<InetSocketAddress> upstreams, Duration upstreamTimeout, Options options)
            throws IOException {
        return new DnsProxy(handler, upstreams, upstreamTimeout, options, hasIpv6Loopback());
    }

    /** From the next query on, queries are handled by {@code next} (a new policy); queries in flight finish with theirs. */
    void handler(QueryHandler next) {
        handler = next;
    }

    public int port() {
        return port;
    }

    private static boolean hasIpv6Loopback() {
        try (UdpSocket s = UdpSocket.open(true)) {
            s.bind(InetAddress.getByName("::1"), 0);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One port for all four listeners: bind UDP v4 on an ephemeral port, then the rest on it; retry on collision. */
    private int bindAll(boolean ipv6) throws IOException {
        InetAddress v4 = InetAddress.getByName("127.0.0.1");
        InetAddress v6 = InetAddress.getByName("::1");
        IOException last = null;
        for (int attempt = 0; attempt < 32; attempt++) {
            closeSockets();
            try {
                int p = bindUdp(v4, 0);
                bindTcp(StandardProtocolFamily.INET, v4, p);
                if (ipv6) {
                    bindUdp(v6, p);
                    bindTcp(StandardProtocolFamily.INET6, v6, p);
                }
                return p;
            } catch (BindException e) {
                last = e;
            } catch (Libc.ErrnoException e) {
                if (e.errno() != UdpSocket.EADDRINUSE) {
                    closeSockets();
                    throw e;
                }
                last = e;
            }
        }
        closeSockets();
        throw new IOException("cannot bind the DNS proxy on one free loopback port", last);
    }

    private int bindUdp(InetAddress address, int p) throws Libc.ErrnoException {
        UdpSocket s = UdpSocket.open(address.getAddress().length == 16);
        udp.add(s);
        s.bind(address, p);
        s.receiveBuffer(RECEIVE_BUFFER);
        s.sendBuffer(RECEIVE_BUFFER);
        return s.localPort();
    }

    private void bindTcp(StandardProtocolFamily family, InetAddress address, int p) throws IOException {
        ServerSocketChannel t = ServerSocketChannel.open(family);
        tcp.add(t);
        t.bind(new InetSocketAddress(address, p), 512);
    }

    private void start(String name, Runnable r) {
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(r);
        threads.add(t);
        t.start();
    }

    private void acceptTcp(ServerSocketChannel server) {
        while (!closed) {
            SocketChannel conn;
            try {
                conn = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                continue;
            }
            if (!tcpConnections.tryAcquire()) { // closed at once: the client fails fast and may retry
                handler.counters().overloaded.incrementAndGet();
                closeQuietly(conn);
                continue;
            }
            workers.execute(() -> {
                try {
                    serveTcp(conn);
                } finally {
                    tcpConnections.release();
                }
            });
        }
    }

    /** RFC 7766 framing: 2-byte length, message; several queries per connection, answered in order. */
    private void serveTcp(SocketChannel conn) {
        try (conn) {
            InetSocketAddress client = (InetSocketAddress) conn.getRemoteAddress();
            var socket = conn.socket();
            socket.setSoTimeout((int) options.tcpIdleTimeout().toMillis());
            var in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            var out = socket.getOutputStream();
            Client c = new Client(client.getPort(), Transport.TCP);
            while (!closed) {
                int len;
                try {
                    len = in.readUnsignedShort();
                } catch (IOException e) {
                    return; // closed, idle timeout or reset
                }
                byte[] query = in.readNBytes(len);
                if (query.length != len) return;
                long startNs = System.nanoTime();
                byte[] answer = answerTcp(query, c);
                if (answer == null) return;
                out.write(TcpFraming.frame(answer));
                out.flush();
                latency.record(System.nanoTime() - startNs);
            }
        } catch (IOException e) {
            // connection-level failure: drop this connection only
        }
    }

    private byte[] answerTcp(byte[] query, Client c) {
        QueryHandler h = handler;
        if (!inFlight.tryAcquire()) {
            h.counters().overloaded.incrementAndGet();
            return Replies.overloaded(query);
        }
        try {
            return h.handle(query, c);
        } finally {
            inFlight.release();
        }
    }

    private void closeSockets() {
        for (UdpSocket s : udp) s.close();
        for (ServerSocketChannel s : tcp) closeQuietly(s);
        udp.clear();
        tcp.clear();
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /**
     * Stops serving. Queries still held for a simulated outage are interrupted: they answer and
     * report now. The UDP sockets close last, once nothing can send on them.
     */
    @Override
    public void close() {
        closed = true;
        loop.stop();
        for (ServerSocketChannel s : tcp) closeQuietly(s);
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.shutdownNow();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeSockets();
    }
}
