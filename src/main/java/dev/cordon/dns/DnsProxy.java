package dev.cordon.dns;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * The session's DNS proxy: UDP and TCP on 127.0.0.1 and ::1, all on one port (the kernel
 * redirects the command's DNS there). One platform thread per listener reads; a UDP query whose
 * answer is cached or whose name is blocked is answered on that thread, every other query on a
 * virtual thread, so a slow upstream answer never holds up another query.
 * In-flight queries are capped: past the cap a query gets SERVFAIL at once, never a wait.
 */
public final class DnsProxy implements AutoCloseable {
    public record Options(int maxInFlight, java.time.Duration tcpIdleTimeout) {
        public static final Options DEFAULT = new Options(1024, java.time.Duration.ofSeconds(10));
    }

    private static final int MAX_MESSAGE = 65_535;
    /** Swapped whole by a policy reload: each query is handled by the handler it started with. */
    private volatile QueryHandler handler;
    /** Shared by every handler of the session (a reload keeps the counters). */
    private final DnsLatency latency;
    private final Options options;
    private final List<DatagramChannel> udp = new ArrayList<>();
    private final List<ServerSocketChannel> tcp = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore inFlight;
    /** Open TCP connections, capped like queries: each holds a virtual thread and a socket. */
    private final Semaphore tcpConnections;
    private final int port;
    private volatile boolean closed;

    private DnsProxy(QueryHandler handler, Options options, boolean ipv6) throws IOException {
        this.handler = handler;
        this.latency = handler.counters().latency;
        this.options = options;
        this.inFlight = new Semaphore(options.maxInFlight());
        this.tcpConnections = new Semaphore(options.maxInFlight());
        this.port = bindAll(ipv6);
        for (DatagramChannel c : udp) start("cordon-dns-udp", () -> serveUdp(c));
        for (ServerSocketChannel s : tcp) start("cordon-dns-tcp", () -> acceptTcp(s));
    }

    /** From the next query on, queries are handled by {@code next} (a new policy); queries in flight finish with theirs. */
    void handler(QueryHandler next) {
        handler = next;
    }

    /** Binds and starts serving. IPv6 listeners are skipped only when the host has no ::1. */
    public static DnsProxy start(QueryHandler handler, Options options) throws IOException {
        return new DnsProxy(handler, options, hasIpv6Loopback());
    }

    public int port() {
        return port;
    }

    private static boolean hasIpv6Loopback() {
        try (DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            c.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** One port for all four listeners: bind UDP v4 on an ephemeral port, then the rest on it; retry on collision. */
    private int bindAll(boolean ipv6) throws IOException {
        InetAddress v4 = InetAddress.getByName("127.0.0.1");
        InetAddress v6 = InetAddress.getByName("::1");
        IOException last = null;
        for (int attempt = 0; attempt < 32; attempt++) {
            closeChannels();
            try {
                DatagramChannel u4 = DatagramChannel.open(StandardProtocolFamily.INET);
                udp.add(u4);
                u4.bind(new InetSocketAddress(v4, 0));
                int p = ((InetSocketAddress) u4.getLocalAddress()).getPort();
                ServerSocketChannel t4 = ServerSocketChannel.open(StandardProtocolFamily.INET);
                tcp.add(t4);
                t4.bind(new InetSocketAddress(v4, p), 512);
                if (ipv6) {
                    DatagramChannel u6 = DatagramChannel.open(StandardProtocolFamily.INET6);
                    udp.add(u6);
                    u6.bind(new InetSocketAddress(v6, p));
                    ServerSocketChannel t6 = ServerSocketChannel.open(StandardProtocolFamily.INET6);
                    tcp.add(t6);
                    t6.bind(new InetSocketAddress(v6, p), 512);
                }
                for (DatagramChannel c : udp) c.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
                return p;
            } catch (BindException e) {
                last = e;
            }
        }
        closeChannels();
        throw new IOException("cannot bind the DNS proxy on one free loopback port", last);
    }

    private void start(String name, Runnable r) {
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(r);
        threads.add(t);
        t.start();
    }

    private void serveUdp(DatagramChannel ch) {
        ByteBuffer buf = ByteBuffer.allocateDirect(MAX_MESSAGE);
        while (!closed) {
            InetSocketAddress client;
            byte[] query;
            try {
                buf.clear();
                client = (InetSocketAddress) ch.receive(buf);
                buf.flip();
                query = new byte[buf.remaining()];
                buf.get(query);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                continue; // e.g. ICMP errors surfacing on the socket: keep serving
            }
            long startNs = System.nanoTime();
            QueryHandler.Client c = new QueryHandler.Client(client.getPort(), Transport.UDP);
            if (answeredInline(ch, client, query, c, startNs)) continue;
            if (!inFlight.tryAcquire()) {
                handler.counters().overloaded.incrementAndGet();
                reply(ch, client, overloadedReply(query), startNs);
                continue;
            }
            workers.execute(() -> {
                try {
                    reply(ch, client, handler.handle(query, c), startNs);
                } finally {
                    inFlight.release();
                }
            });
        }
    }

    /**
     * A query whose answer is cached, or whose name is blocked, is answered on this thread: it never
     * waits, and a hand-off to a virtual thread would cost more than the work (and most of the latency).
     */
    private boolean answeredInline(DatagramChannel ch, InetSocketAddress client, byte[] query, QueryHandler.Client c, long startNs) {
        QueryHandler h = handler;
        if (!h.answersWithoutWaiting(query)) return false;
        byte[] answer;
        try {
            answer = h.handleWithoutWaiting(query, c);
        } catch (RuntimeException e) {
            return false; // let a worker handle (and fail) it: this thread must keep serving
        }
        if (answer == QueryHandler.NEEDS_WORKER) return false;
        reply(ch, client, answer, startNs);
        return true;
    }

    /** Sends the answer (none for a query that gets none) and records how long the query took since {@code startNs}. */
    private void reply(DatagramChannel ch, InetSocketAddress client, byte[] answer, long startNs) {
        if (answer == null) return;
        try {
            ch.send(ByteBuffer.wrap(answer), client);
        } catch (IOException e) {
            // the client went away; nothing to do
        }
        latency.record(System.nanoTime() - startNs);
    }

    private static byte[] overloadedReply(byte[] query) {
        byte[] r = Responses.formErr(query);
        if (r != null) r[3] = (byte) ((r[3] & 0xf0) | org.xbill.DNS.Rcode.SERVFAIL);
        return r;
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
            var in = new java.io.DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
            var out = socket.getOutputStream();
            QueryHandler.Client c = new QueryHandler.Client(client.getPort(), Transport.TCP);
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
                byte[] answer;
                if (!inFlight.tryAcquire()) {
                    handler.counters().overloaded.incrementAndGet();
                    answer = overloadedReply(query);
                } else {
                    try {
                        answer = handler.handle(query, c);
                    } finally {
                        inFlight.release();
                    }
                }
                if (answer == null) return;
                out.write(TcpFraming.frame(answer));
                out.flush();
                latency.record(System.nanoTime() - startNs);
            }
        } catch (IOException e) {
            // connection-level failure: drop this connection only
        }
    }

    private void closeChannels() {
        for (DatagramChannel c : udp) closeQuietly(c);
        for (ServerSocketChannel s : tcp) closeQuietly(s);
        udp.clear();
        tcp.clear();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        closeChannels();
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.shutdownNow(); // interrupts queries still held for a simulated outage: they answer and report now
        try {
            workers.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
