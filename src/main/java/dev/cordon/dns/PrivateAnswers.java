package dev.cordon.dns;

import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainName;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * DNS rebinding defence ({@code --block-private-answers}): a public name must not resolve to an
 * address inside the host or its networks (127.0.0.1, the cloud metadata service at
 * 169.254.169.254, a router at 192.168.1.1). Names that are private by convention may.
 */
public final class PrivateAnswers {
    /** The rule= label of an answer refused by --block-private-answers. */
    public static final String RULE = "dns:private-answer";

    private PrivateAnswers() {}

    /** Loopback, RFC 1918, CGNAT, link-local, "this network", broadcast; ULA, link- and site-local v6. */
    static final List<Cidr> PRIVATE = List.of(
            Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"), Cidr.parse("127.0.0.0/8"),
            Cidr.parse("169.254.0.0/16"), Cidr.parse("172.16.0.0/12"), Cidr.parse("192.0.0.0/24"),
            Cidr.parse("192.168.0.0/16"), Cidr.parse("198.18.0.0/15"), Cidr.parse("255.255.255.255/32"),
            Cidr.parse("::/128"), Cidr.parse("::1/128"), Cidr.parse("fc00::/7"), Cidr.parse("fe80::/10"),
            Cidr.parse("fec0::/10"));

    /** Names that may resolve to private addresses: special-use and the customary private suffixes. */
    static final List<String> PRIVATE_NAMES = List.of("localhost", "local", "internal", "home.arpa", "lan", "intranet",
            "corp", "private", "in-addr.arpa", "ip6.arpa");

    /** Whether {@code name} is itself a private name (it and its subdomains may have private addresses). */
    public static boolean privateName(String name) {
        String n = DomainName.canonical(name);
        return PRIVATE_NAMES.stream().anyMatch(s -> DomainName.isAtOrBelow(n, s));
    }

    /**
     * Whether {@code ip} is private. IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d,
     * compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d, 6to4 2002:AABB:CCDD::) are judged by that address.
     */
    public static boolean isPrivate(InetAddress ip) {
        return isPrivate(ip.getAddress());
    }

    static boolean isPrivate(byte[] a) {
        if (a.length == 16) {
            byte[] embedded = embeddedV4(a);
            if (embedded != null && isPrivate(embedded)) return true;
        }
        for (Cidr c : PRIVATE) if (c.contains(a)) return true;
        return false;
    }

    private static byte[] embeddedV4(byte[] a) {
        boolean zero80 = Arrays.equals(a, 0, 10, new byte[10], 0, 10);
        if (zero80 && ((a[10] == (byte) 0xff && a[11] == (byte) 0xff) || (a[10] == 0 && a[11] == 0))) {
            return Arrays.copyOfRange(a, 12, 16); // mapped, or compatible (deprecated)
        }
        if (a[0] == 0 && a[1] == 0x64 && a[2] == (byte) 0xff && a[3] == (byte) 0x9b) return Arrays.copyOfRange(a, 12, 16);
        if (a[0] == 0x20 && a[1] == 0x02) return Arrays.copyOfRange(a, 2, 6);
        return null;
    }
}
