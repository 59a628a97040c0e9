package dev.cordon.dns;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Forwards raw bytes to the upstream servers, in order, with a fresh random transaction id per
 * query, and waits for the answer: for the callers that may wait (TCP clients and truncated
 * answers over TCP; the blocked names resolved at start over UDP). A socket or connection per
 * query: these are rare. The proxy's UDP queries go through {@link UdpLoop}, which waits for none.
 */
public final class NetworkUpstream implements Upstream {
    private static final int MAX_UDP = 65_535;
    private final List<InetSocketAddress> servers;
    private final Duration timeout;

    public NetworkUpstream(List<InetSocketAddress> servers, Duration timeout) {
        if (servers.isEmpty()) throw new IllegalArgumentException("no upstream DNS server");
        this.servers = List.copyOf(servers);
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
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
                return transport == Transport.UDP ? udp(servers.get(i), query, ms) : tcp(servers.get(i), query, ms);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new SocketTimeoutException("no upstream answered within " + timeout.toMillis() + " ms");
    }

    /** A connected socket of its own: only the server's datagrams arrive; one whose id or question differs is a late answer or a forgery. */
    private byte[] udp(InetSocketAddress server, byte[] query, int timeoutMs) throws IOException {
        byte[] out = query.clone();
        int id = (int) (QueryIds.next() & 0xffff);
        Wire.putU16(out, 0, id);
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(server);
            s.send(new DatagramPacket(out, out.length));
            byte[] buf = new byte[MAX_UDP];
            long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) throw new SocketTimeoutException("no matching answer from " + server + " within " + timeoutMs + " ms");
                s.setSoTimeout((int) left);
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p); // a "port unreachable" from the server throws: the next server is asked
                byte[] answer = Arrays.copyOf(buf, p.getLength());
                if (answer.length >= Wire.HEADER && Wire.id(answer) == id && Wire.sameQuestion(out, answer, answer.length)) {
                    Wire.putU16(answer, 0, Wire.id(query));
                    return answer;
                }
            }
        }
    }

    private byte[] tcp(InetSocketAddress server, byte[] query, int timeoutMs) throws IOException {
        byte[] out = query.clone();
        int id = (int) (QueryIds.next() & 0xffff);
        Wire.putU16(out, 0, id);
        try (Socket s = new Socket()) {
            s.connect(server, timeoutMs);
            s.setSoTimeout(timeoutMs);
            OutputStream os = s.getOutputStream();
            os.write(TcpFraming.frame(out));
            os.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int len = in.readUnsignedShort();
            byte[] answer = in.readNBytes(len);
            if (answer.length != len || len < Wire.HEADER || Wire.id(answer) != id) throw new IOException("bad TCP answer from " + server);
            Wire.putU16(answer, 0, Wire.id(query));
            return answer;
        }
    }
}
