package dev.cordon.dns;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Forwards raw bytes to the upstream servers, in order, with a fresh random transaction id and a
 * fresh socket (random source port) per query, so answers cannot be matched by guessing. Blocking
 * I/O: callers run on virtual threads, so concurrent queries never wait for one another.
 */
public final class NetworkUpstream implements Upstream {
    private static final int MAX_UDP = 65_535;
    private final List<InetSocketAddress> servers;
    private final Duration timeout;
    private final SecureRandom random = new SecureRandom();

    public NetworkUpstream(List<InetSocketAddress> servers, Duration timeout) {
        if (servers.isEmpty()) throw new IllegalArgumentException("no upstream DNS server");
        this.servers = List.copyOf(servers);
        this.timeout = timeout;
    }

    public List<InetSocketAddress> servers() {
        return servers;
    }

    @Override
    public byte[] exchange(byte[] query, Transport transport) throws IOException {
        IOException last = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (InetSocketAddress server : servers) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            // Give each server an equal share of what is left, so one dead server cannot eat the budget.
            int ms = (int) Math.max(50, left / 1_000_000 / Math.max(1, servers.size() - servers.indexOf(server)));
            try {
                return transport == Transport.UDP ? udp(server, query, ms) : tcp(server, query, ms);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new SocketTimeoutException("no upstream answered within " + timeout.toMillis() + " ms");
    }

    private byte[] udp(InetSocketAddress server, byte[] query, int timeoutMs) throws IOException {
        byte[] out = query.clone();
        int id = random.nextInt(1 << 16);
        setId(out, id);
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(server);
            s.setSoTimeout(timeoutMs);
            s.send(new DatagramPacket(out, out.length));
            byte[] buf = new byte[MAX_UDP];
            long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p); // connected: only the server's datagrams arrive
                if (p.getLength() >= 12 && getId(buf) == id) {
                    byte[] answer = Arrays.copyOf(buf, p.getLength());
                    setId(answer, getId(query));
                    return answer;
                }
                int left = (int) ((deadline - System.nanoTime()) / 1_000_000);
                if (left <= 0) throw new SocketTimeoutException("no matching answer from " + server);
                s.setSoTimeout(left);
            }
        }
    }

    private byte[] tcp(InetSocketAddress server, byte[] query, int timeoutMs) throws IOException {
        byte[] out = query.clone();
        int id = random.nextInt(1 << 16);
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
