package dev.cordon.dns;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;

/**
 * Forwards raw bytes to the upstream servers, in order, with a fresh random transaction id per
 * query. UDP goes through a few long-lived sockets per server ({@link UdpUpstreamPool}); TCP
 * (rare: truncated answers, TCP clients) opens a connection per query. Callers run on virtual
 * threads, so concurrent queries never wait for one another.
 */
public final class NetworkUpstream implements Upstream, AutoCloseable {
    private final List<InetSocketAddress> servers;
    private final Duration timeout;
    /** Per server, opened on its first UDP query (an unreachable server then fails that query, not the start). */
    private final java.util.concurrent.atomic.AtomicReferenceArray<UdpUpstreamPool> pools;
    private boolean closed;

    public NetworkUpstream(List<InetSocketAddress> servers, Duration timeout) {
        if (servers.isEmpty()) throw new IllegalArgumentException("no upstream DNS server");
        this.servers = List.copyOf(servers);
        this.timeout = timeout;
        this.pools = new java.util.concurrent.atomic.AtomicReferenceArray<>(this.servers.size());
    }

    public List<InetSocketAddress> servers() {
        return servers;
    }

    @Override
    public byte[] exchange(byte[] query, Transport transport) throws IOException {
        IOException last = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < servers.size(); i++) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            // Give each server an equal share of what is left, so one dead server cannot eat the budget.
            int ms = (int) Math.max(50, left / 1_000_000 / (servers.size() - i));
            try {
                return transport == Transport.UDP ? udp(i, query, ms) : tcp(servers.get(i), query, ms);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new SocketTimeoutException("no upstream answered within " + timeout.toMillis() + " ms");
    }

    private byte[] udp(int index, byte[] query, int timeoutMs) throws IOException {
        UdpUpstreamPool pool = pools.get(index);
        if (pool == null) {
            synchronized (this) {
                if (closed) throw new IOException("upstream closed");
                pool = pools.get(index);
                if (pool == null) pools.set(index, pool = new UdpUpstreamPool(servers.get(index)));
            }
        }
        return pool.exchange(query, timeoutMs);
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (int i = 0; i < pools.length(); i++) {
            UdpUpstreamPool p = pools.getAndSet(i, null);
            if (p != null) p.close();
        }
    }

    private byte[] tcp(InetSocketAddress server, byte[] query, int timeoutMs) throws IOException {
        byte[] out = query.clone();
        int id = (int) (QueryIds.next() & 0xffff);
        setId(out, id);
        try (Socket s = new Socket()) {
            s.connect(server, timeoutMs);
            s.setSoTimeout(timeoutMs);
            OutputStream os = s.getOutputStream();
            os.write(TcpFraming.frame(out));
            os.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int len = in.readUnsignedShort();
            byte[] answer = in.readNBytes(len);
            if (answer.length != len || len < 12 || getId(answer) != id) throw new IOException("bad TCP answer from " + server);
            setId(answer, getId(query));
            return answer;
        }
    }

    static int getId(byte[] m) {
        return ((m[0] & 0xff) << 8) | (m[1] & 0xff);
    }

    static void setId(byte[] m, int id) {
        m[0] = (byte) (id >>> 8);
        m[1] = (byte) id;
    }
}
