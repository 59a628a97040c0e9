package dev.cordon.dns;

import dev.cordon.sys.DatagramBatch;
import dev.cordon.sys.Epoll;
import dev.cordon.sys.Libc;
import dev.cordon.sys.UdpSocket;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * {@link UdpLoop}'s upstream side: {@link #PER_SERVER} connected UDP sockets per server, opened on
 * first use and added to the loop's epoll set, and one batch of queries per server, sent many per
 * system call. Used by the loop's thread only.
 */
final class UpstreamSockets {
    static final int PER_SERVER = 4;
    private final List<InetSocketAddress> servers;
    private final UdpSocket[] sockets;
    private final boolean[] unreachable;
    private final DatagramBatch[] out;
    private final int[] outSocket;
    private final int firstToken;
    private final Epoll epoll;

    UpstreamSockets(List<InetSocketAddress> servers, int firstToken, Epoll epoll) {
        this.servers = List.copyOf(servers);
        this.sockets = new UdpSocket[servers.size() * PER_SERVER];
        this.unreachable = new boolean[servers.size()];
        this.out = new DatagramBatch[servers.size()];
        this.outSocket = new int[servers.size()];
        this.firstToken = firstToken;
        this.epoll = epoll;
    }

    int servers() {
        return servers.size();
    }

    int socketCount() {
        return sockets.length;
    }

    UdpSocket socket(int i) {
        return sockets[i];
    }

    /**
     * A random socket of {@code server} (a query's source port is part of what a forger must
     * guess; the queries of one batch share it), or -1 when the server cannot be reached.
     */
    int socketFor(int server) {
        if (unreachable[server] || !open(server)) return -1;
        if (out[server].count() > 0) return outSocket[server];
        return server * PER_SERVER + (int) ((QueryIds.next() >>> 20) & (PER_SERVER - 1));
    }

    private boolean open(int server) {
        if (out[server] != null) return true;
        InetSocketAddress to = servers.get(server);
        try {
            for (int k = 0; k < PER_SERVER; k++) {
                UdpSocket s = UdpSocket.open(to.getAddress() instanceof Inet6Address);
                sockets[server * PER_SERVER + k] = s;
                s.receiveBuffer(1 << 20); // a burst of answers waits in the kernel, not dropped
                s.connect(to);
                epoll.add(s.fd(), firstToken + server * PER_SERVER + k);
            }
            out[server] = new DatagramBatch(UdpLoop.BATCH, UdpLoop.QUERY_ROOM);
            return true;
        } catch (Libc.ErrnoException e) {
            unreachable[server] = true; // e.g. no route to an IPv6 server: its queries go to the next
            return false;
        }
    }

    void send(int server, int socket, byte[] query) {
        if (out[server].count() > 0 && outSocket[server] != socket) flush(server); // a batch goes out on one socket
        outSocket[server] = socket;
        if (out[server].add(query, null)) return;
        flush(server);
        if (!out[server].add(query, null)) DatagramBatch.sendOne(sockets[socket], query, null); // a query bigger than the room
    }

    void flush() {
        for (int s = 0; s < out.length; s++) if (out[s] != null && out[s].count() > 0) flush(s);
    }

    private void flush(int server) {
        out[server].send(sockets[outSocket[server]]);
    }

    void close() {
        for (UdpSocket s : sockets) if (s != null) s.close();
        for (DatagramBatch b : out) if (b != null) b.close();
    }
}
