package dev.cordon.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Long-lived connected UDP sockets to one upstream server: a query gets a random socket (source
 * port) and a fresh random id, and waits in that socket's pending table; one reader thread per
 * socket hands each answer to the query whose id and question it carries. No socket, thread or
 * big buffer per query. A connected socket only receives the server's datagrams, and an answer
 * whose question differs from the query's is dropped (a late answer for a reused id, or a forgery).
 */
final class UdpUpstreamPool implements AutoCloseable {
    static final int SOCKETS = 4;
    private static final int MAX_UDP = 65_535;

    private record Pending(byte[] query, CompletableFuture<byte[]> answer) {}

    private final InetSocketAddress server;
    private final DatagramChannel[] channels = new DatagramChannel[SOCKETS];
    @SuppressWarnings("unchecked")
    private final ConcurrentHashMap<Integer, Pending>[] pending = new ConcurrentHashMap[SOCKETS];
    private final Thread[] readers = new Thread[SOCKETS];
    private volatile boolean closed;

    UdpUpstreamPool(InetSocketAddress server) throws IOException {
        this.server = server;
        try {
            for (int i = 0; i < SOCKETS; i++) {
                DatagramChannel ch = DatagramChannel.open(server.getAddress() instanceof java.net.Inet6Address
                        ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
                channels[i] = ch;
                // A burst of answers must wait in the kernel, not be dropped (a drop is a query timing out).
                ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
                ch.connect(server);
                pending[i] = new ConcurrentHashMap<>();
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        for (int i = 0; i < SOCKETS; i++) {
            int n = i;
            readers[i] = Thread.ofPlatform().name("cordon-dns-upstream").daemon(true).start(() -> read(n));
        }
    }

    /** Sends {@code query} (its id is replaced on the wire) and waits up to {@code timeoutMs} for the answer. */
    byte[] exchange(byte[] query, int timeoutMs) throws IOException {
        if (query.length < 12) throw new IOException("query shorter than a DNS header");
        long r = QueryIds.next();
        int sock = (int) ((r >>> 16) & (SOCKETS - 1));
        Pending p = new Pending(query, new CompletableFuture<>());
        var table = pending[sock];
        int id = (int) (r & 0xffff);
        for (int tries = 0; table.putIfAbsent(id, p) != null; tries++) {
            if (tries == 16) throw new IOException("no free query id towards " + server);
            id = (int) (QueryIds.next() & 0xffff);
        }
        try {
            byte[] out = query.clone();
            NetworkUpstream.setId(out, id);
            channels[sock].write(ByteBuffer.wrap(out));
            byte[] answer = p.answer().get(timeoutMs, TimeUnit.MILLISECONDS);
            NetworkUpstream.setId(answer, NetworkUpstream.getId(query));
            return answer;
        } catch (TimeoutException e) {
            throw new SocketTimeoutException("no matching answer from " + server + " within " + timeoutMs + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for " + server);
        } finally {
            table.remove(id, p);
        }
    }

    private void read(int n) {
        DatagramChannel ch = channels[n];
        var table = pending[n];
        ByteBuffer buf = ByteBuffer.allocateDirect(MAX_UDP); // one per reader, reused for every answer
        while (!closed) {
            try {
                buf.clear();
                ch.read(buf);
            } catch (PortUnreachableException e) {
                // The server is not listening: every query waiting on this socket fails now and
                // tries the next server, as a fresh socket per query would have seen.
                for (Pending p : table.values()) p.answer().completeExceptionally(e);
                continue;
            } catch (ClosedChannelException e) {
                break;
            } catch (IOException e) {
                continue;
            }
            buf.flip();
            if (buf.remaining() < 12) continue;
            int id = buf.getShort(0) & 0xffff;
            Pending p = table.get(id);
            if (p == null) continue; // late (timed out) or unsolicited
            byte[] answer = new byte[buf.remaining()];
            buf.get(answer);
            if (!WireQuestion.sameQuestion(p.query(), answer)) continue;
            p.answer().complete(answer);
        }
        for (Pending p : table.values()) p.answer().completeExceptionally(new IOException("upstream pool closed"));
    }

    @Override
    public void close() {
        closed = true;
        for (DatagramChannel ch : channels) {
            if (ch == null) continue;
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        for (Thread t : readers) {
            if (t == null) continue;
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
