package dev.cordon.policy;


import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Parses {@code --upstream}: {@code IP}, {@code IP:PORT}, {@code [IPv6]:PORT} or a bare IPv6. Never a name lookup. */
public final class Upstreams {
    private Upstreams() {}

    public static InetSocketAddress parse(String text) {
        String s = text == null ? "" : text.strip();
        String host = s;
        int port = 53;
        try {
            if (s.startsWith("[")) {
                int end = s.indexOf(']');
                if (end < 0) throw new PolicyException("bad upstream '" + text + "': missing ']'");
                host = s.substring(1, end);
                String rest = s.substring(end + 1);
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":")) throw new PolicyException("bad upstream '" + text + "': expected :PORT after ']'");
                    port = port(rest.substring(1), text);
                }
            } else if (s.chars().filter(c -> c == ':').count() == 1) {
                int colon = s.indexOf(':');
                host = s.substring(0, colon);
                port = port(s.substring(colon + 1), text);
            }
            if (host.isEmpty() || !(host.contains(":") || host.matches("[0-9.]+"))) {
                throw new PolicyException("bad upstream '" + text + "': give an IP address, not a name");
            }
            return new InetSocketAddress(InetAddress.ofLiteral(host), port);
        } catch (IllegalArgumentException e) {
            if (e instanceof PolicyException p) throw p;
            throw new PolicyException("bad upstream '" + text + "': '" + host + "' is not an IP address");
        }
    }

    private static int port(String p, String whole) {
        if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(Character::isDigit)) {
            throw new PolicyException("bad upstream '" + whole + "': port '" + p + "' is not a number");
        }
        int n = Integer.parseInt(p);
        if (n < 1 || n > 65535) throw new PolicyException("bad upstream '" + whole + "': port " + n + " is out of range");
        return n;
    }
}
