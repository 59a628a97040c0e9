package dev.cordon.events;

import java.util.Locale;

/**
 * What a {@link Hook#SOCKET} attempt asked for: a raw inet socket or a packet socket.
 *
 * @param family   AF_INET, AF_INET6 or AF_PACKET
 * @param type     SOCK_RAW, SOCK_DGRAM, ...
 * @param protocol IPPROTO_* for inet; for packet sockets the ethertype in network byte order, as socket() takes it
 * @param errno    why socket() failed (EPERM = 1), or 0 if the socket was created
 */
public record SocketInfo(int family, int type, int protocol, int errno) {
    public static final int AF_INET = 2, AF_INET6 = 10, AF_PACKET = 17;
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3;

    public boolean packet() {
        return family == AF_PACKET;
    }

    /** {@code ipv4}, {@code ipv6}, {@code packet}, or the number. */
    public String familyName() {
        return switch (family) {
            case AF_INET -> "ipv4";
            case AF_INET6 -> "ipv6";
            case AF_PACKET -> "packet";
            default -> Integer.toString(family);
        };
    }

    /** {@code raw}, {@code dgram}, {@code stream}, or the number. */
    public String typeName() {
        return switch (type) {
            case SOCK_RAW -> "raw";
            case SOCK_DGRAM -> "dgram";
            case SOCK_STREAM -> "stream";
            default -> Integer.toString(type);
        };
    }

    /** For packet sockets the ethertype ({@code all}, {@code ip}, {@code arp}, {@code ipv6}, else hex); null for inet. */
    public String etherTypeName() {
        if (!packet()) return null;
        int ethertype = Short.toUnsignedInt(Short.reverseBytes((short) protocol)); // socket() takes htons(ETH_P_*)
        return switch (ethertype) {
            case 0x0003 -> "all";
            case 0x0800 -> "ip";
            case 0x0806 -> "arp";
            case 0x86dd -> "ipv6";
            case 0 -> "none";
            default -> String.format(Locale.ROOT, "0x%04x", ethertype);
        };
    }
}
