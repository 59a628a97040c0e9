package dev.cordon.policy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An IPv4 or IPv6 prefix. Parsing never touches DNS: a name is an error, not a lookup.
 * A bare address is a host prefix (/32 or /128). Host bits set below the prefix are an error,
 * because {@code 10.1.2.3/8} is more often a typo than a wish for {@code 10.0.0.0/8}.
 * IPv4-mapped IPv6 prefixes ({@code ::ffff:10.0.0.0/104}) are normalised to IPv4, since the
 * kernel side judges mapped destinations by the IPv4 rules.
 */
public record Cidr(byte[] address, int prefixLength) {
    public Cidr {
        if (address.length != 4 && address.length != 16) throw new IllegalArgumentException("address must have 4 or 16 bytes");
        if (prefixLength < 0 || prefixLength > address.length * 8) throw new IllegalArgumentException("bad prefix length");
        address = address.clone();
    }

    public static Cidr parse(String text) {
        String s = text == null ? "" : text.strip();
        if (s.isEmpty()) throw new PolicyException("empty CIDR");
        int slash = s.indexOf('/');
        String addrPart = slash < 0 ? s : s.substring(0, slash);
        String lenPart = slash < 0 ? null : s.substring(slash + 1);
        if (addrPart.startsWith("[") && addrPart.endsWith("]")) addrPart = addrPart.substring(1, addrPart.length() - 1);
        byte[] addr = parseAddress(addrPart, s);
        int max = addr.length * 8;
        int len = max;
        if (lenPart != null) {
            if (lenPart.isEmpty() || !digits(lenPart) || lenPart.length() > 3) {
                throw new PolicyException("bad CIDR '" + s + "': prefix length '" + lenPart + "' is not a number");
            }
            len = Integer.parseInt(lenPart);
            if (len > max) {
                throw new PolicyException("bad CIDR '" + s + "': prefix length " + len + " is longer than " + max);
            }
        }
        if (addr.length == 16 && isV4Mapped(addr) && len >= 96) {
            addr = Arrays.copyOfRange(addr, 12, 16);
            len -= 96;
        }
        byte[] masked = mask(addr, len);
        if (!Arrays.equals(masked, addr)) {
            throw new PolicyException("bad CIDR '" + s + "': host bits are set; did you mean "
                    + format(masked) + "/" + len + "?");
        }
        return new Cidr(addr, len);
    }

    private static byte[] parseAddress(String a, String whole) {
        if (a.indexOf(':') >= 0) {
            if (a.indexOf('%') >= 0) {
                // ofLiteral accepts fe80::1%eth0 and would drop the zone, widening the rule to every link
                throw new PolicyException("bad CIDR '" + whole + "': zone ids ('%...') are not supported in a prefix");
            }
            try {
                // ofLiteral never resolves names; it only accepts IPv6 literals here.
                InetAddress ip = Inet6Address.ofLiteral(a);
                return ip.getAddress().length == 16 ? ip.getAddress() : v4Mapped(ip.getAddress());
            } catch (IllegalArgumentException e) {
                throw new PolicyException("bad CIDR '" + whole + "': '" + a + "' is not an IPv6 address");
            }
        }
        // By hand, not split and streams: 100k rules are parsed at start-up.
        int dots = 0;
        for (int i = 0; i < a.length(); i++) if (a.charAt(i) == '.') dots++;
        if (dots != 3) throw new PolicyException("bad CIDR '" + whole + "': '" + a + "' is not an IP address");
        byte[] out = new byte[4];
        int from = 0;
        for (int i = 0; i < 4; i++) {
            int to = i < 3 ? a.indexOf('.', from) : a.length();
            String p = a.substring(from, to);
            if (p.isEmpty() || p.length() > 3 || !digits(p) || (p.length() > 1 && p.charAt(0) == '0')) {
                throw new PolicyException("bad CIDR '" + whole + "': '" + a + "' is not an IPv4 address");
            }
            int v = Integer.parseInt(p);
            if (v > 255) throw new PolicyException("bad CIDR '" + whole + "': octet " + v + " is larger than 255");
            out[i] = (byte) v;
            from = to + 1;
        }
        return out;
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    private static byte[] v4Mapped(byte[] v4) {
        byte[] out = new byte[16];
        out[10] = (byte) 0xff;
        out[11] = (byte) 0xff;
        System.arraycopy(v4, 0, out, 12, 4);
        return out;
    }

    /** True for a 16-byte ::ffff:a.b.c.d address. */
    public static boolean isV4Mapped(byte[] a) {
        if (a.length != 16) return false;
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    static byte[] mask(byte[] addr, int len) {
        byte[] out = addr.clone();
        int full = len / 8;
        if (full < out.length) {
            out[full] &= (byte) (0xff00 >>> (len % 8));
            Arrays.fill(out, full + 1, out.length, (byte) 0);
        }
        return out;
    }

    /** The prefix of length {@code len} that contains {@code addr} (4 or 16 bytes). */
    public static Cidr masked(byte[] addr, int len) {
        return new Cidr(mask(addr, len), len);
    }

    /** The IPv4 address inside ::ffff:a.b.c.d, or {@code ip} itself: how the kernel hooks judge it. */
    public static byte[] unmapped(byte[] ip) {
        return isV4Mapped(ip) ? Arrays.copyOfRange(ip, 12, 16) : ip;
    }

    public boolean isV4() {
        return address.length == 4;
    }

    @Override
    public byte[] address() {
        return address.clone();
    }

    /** Whether {@code ip} (4 or 16 bytes, mapped v6 taken as v4) lies in this prefix. */
    public boolean contains(byte[] ip) {
        byte[] a = unmapped(ip);
        if (a.length != address.length) return false;
        return Arrays.equals(mask(a, prefixLength), address);
    }

    /**
     * The text form of an address: dotted quad, or RFC 5952 for IPv6 ({@code 2001:db8::1}, not
     * {@code InetAddress}'s {@code 2001:db8:0:0:0:0:0:1}), so logs match what users type and grep for.
     */
    public static String format(byte[] addr) {
        if (addr.length == 4) {
            return (addr[0] & 0xff) + "." + (addr[1] & 0xff) + "." + (addr[2] & 0xff) + "." + (addr[3] & 0xff);
        }
        if (addr.length != 16) return HexFormat.of().formatHex(addr);
        if (isV4Mapped(addr)) return "::ffff:" + format(Arrays.copyOfRange(addr, 12, 16));
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = (addr[2 * i] & 0xff) << 8 | (addr[2 * i + 1] & 0xff);
        int bestStart = -1, bestLen = 1; // a single zero group is not compressed
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return format(address) + "/" + prefixLength;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && Arrays.equals(c.address, address);
    }

    @Override
    public int hashCode() {
        // Arrays.hashCode (base 31 over signed bytes) maps 100k host prefixes of one /8 onto a few
        // thousand values; whole 32-bit words keep distinct IPv4 addresses distinct.
        int h = prefixLength;
        for (int i = 0; i < address.length; i += 4) {
            int word = (address[i] & 0xff) << 24 | (address[i + 1] & 0xff) << 16 | (address[i + 2] & 0xff) << 8 | (address[i + 3] & 0xff);
            h = h * 0x9E3779B1 + word;
        }
        return h;
    }
}
