package dev.cordon.kernel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Loopback ports held bound and never listened on, for the refuse outage style: the connect hooks
 * send a refused connect there, and the kernel's RST fails it with ECONNREFUSED as a dead host
 * would. Bound without SO_REUSEADDR, so no other process can take a port while the session holds it.
 * A port that cannot be had (IPv6 off on lo) is 0: those connects then fail with EPERM, still at once.
 */
final class RefusePorts implements AutoCloseable {
    private final Socket v4, v6;

    private RefusePorts(Socket v4, Socket v6) {
        this.v4 = v4;
        this.v6 = v6;
    }

    static RefusePorts bind() {
        return new RefusePorts(bound("127.0.0.1"), bound("::1"));
    }

    private static Socket bound(String address) {
        Socket s = new Socket();
        try {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.ofLiteral(address), 0));
            return s;
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing bound
            }
            return null;
        }
    }

    int port4() {
        return v4 == null ? 0 : v4.getLocalPort();
    }

    int port6() {
        return v6 == null ? 0 : v6.getLocalPort();
    }

    @Override
    public void close() {
        for (Socket s : new Socket[] {v4, v6}) {
            if (s == null) continue;
            try {
                s.close();
            } catch (IOException ignored) {
                // closing a bound, unconnected socket does not fail in practice
            }
        }
    }
}
