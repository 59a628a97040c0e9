package dev.cordon.metrics;

import dev.cordon.policy.Cidr;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Where {@code --metrics-listen} serves: an IP address (or {@code localhost}, which is 127.0.0.1
 * here, never a lookup) and a port; port 0 takes any free one. Loopback unless the user says
 * otherwise: the metrics name the guarded cgroup, its tasks and the policy's rules, which the
 * network has no business reading. Loads nothing of the metrics library.
 */
public record MetricsAddress(InetSocketAddress socket) {
    public static final String EXAMPLE = "127.0.0.1:9464";

    /**
     * {@code IP:PORT}, {@code [IPv6]:PORT} or {@code localhost:PORT}.
     *
     * @throws IllegalArgumentException with a message naming the value
     */
    public static MetricsAddress parse(String text) {
        String s = text == null ? "" : text.strip();
        int colon = s.lastIndexOf(':');
        if (colon < 0) throw bad(text, "give an address and a port, e.g. " + EXAMPLE);
        String host = s.substring(0, colon);
        String port = s.substring(colon + 1);
        if (host.startsWith("[") != host.endsWith("]")) throw bad(text, "an IPv6 address goes in brackets, e.g. [::1]:9464");
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw bad(text, "an IPv6 address goes in brackets, e.g. [::1]:9464");
        }
        if (host.isEmpty()) throw bad(text, "give the address to listen on, e.g. " + EXAMPLE + " (all interfaces: 0.0.0.0, with --metrics-allow-remote)");
        return new MetricsAddress(new InetSocketAddress(address(host, text), port(port, text)));
    }

    private static InetAddress address(String host, String whole) {
        if (host.equalsIgnoreCase("localhost")) return InetAddress.getLoopbackAddress();
        if (!host.contains(":") && !host.matches("[0-9.]+")) throw bad(whole, "give an IP address or localhost, not a name");
        try {
            return InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            throw bad(whole, "'" + host + "' is not an IP address");
        }
    }

    private static int port(String p, String whole) {
        if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(Character::isDigit)) {
            throw bad(whole, "port '" + p + "' is not a number");
        }
        int n = Integer.parseInt(p);
        if (n > 65535) throw bad(whole, "port " + n + " is out of range (0 for any free port)");
        return n;
    }

    private static IllegalArgumentException bad(String value, String why) {
        return new IllegalArgumentException("bad --metrics-listen '" + value + "': " + why);
    }

    public boolean loopback() {
        return socket.getAddress().isLoopbackAddress();
    }

    /**
     * Refuses an address other hosts can reach unless {@code allowRemote} (--metrics-allow-remote).
     *
     * @throws IllegalArgumentException saying why and what to do
     */
    public MetricsAddress requireAllowed(boolean allowRemote) {
        if (loopback() || allowRemote) return this;
        throw new IllegalArgumentException("--metrics-listen " + text() + " would serve the metrics to the network: they name "
                + "the guarded cgroup, its tasks and the policy's rules, with no authentication. Listen on loopback ("
                + EXAMPLE + " or [::1]:9464) and let a local agent or a proxy with TLS carry them, or add --metrics-allow-remote");
    }

    /** {@code 127.0.0.1:9464}, {@code [::1]:9464}. */
    public String text() {
        return text(socket);
    }

    static String text(InetSocketAddress a) {
        String ip = Cidr.format(a.getAddress().getAddress());
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + a.getPort();
    }
}
