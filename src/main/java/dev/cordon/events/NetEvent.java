package dev.cordon.events;

import dev.cordon.policy.Cidr;

/**
 * A connect() or sendmsg() toward an inet destination. {@code address} is 4 bytes for IPv4
 * (including an IPv4-mapped destination of a v6 socket, flagged by {@code mappedV4}) or 16.
 */
public record NetEvent(long monotonicNs, ProcessRef process, Hook hook, Verdict verdict, int ruleId,
                       boolean ipv6Socket, int protocol, int port, boolean mappedV4, byte[] address, long cookie,
                       SocketInfo socket, FirstBytes firstBytes)
        implements KernelEvent {
    /**
     * @param socket     what a {@link Hook#SOCKET} attempt asked for; null otherwise
     * @param firstBytes the name a {@link Hook#TLS} or {@link Hook#HTTP} attempt carried; null otherwise
     */
    public NetEvent {}

    public NetEvent(long monotonicNs, ProcessRef process, Hook hook, Verdict verdict, int ruleId,
                    boolean ipv6Socket, int protocol, int port, boolean mappedV4, byte[] address, long cookie, SocketInfo socket) {
        this(monotonicNs, process, hook, verdict, ruleId, ipv6Socket, protocol, port, mappedV4, address, cookie, socket, null);
    }

    public NetEvent(long monotonicNs, ProcessRef process, Hook hook, Verdict verdict, int ruleId,
                    boolean ipv6Socket, int protocol, int port, boolean mappedV4, byte[] address, long cookie) {
        this(monotonicNs, process, hook, verdict, ruleId, ipv6Socket, protocol, port, mappedV4, address, cookie, null);
    }

    public NetEvent(long monotonicNs, ProcessRef process, Hook hook, Verdict verdict, int ruleId,
                    boolean ipv6Socket, int protocol, int port, boolean mappedV4, byte[] address) {
        this(monotonicNs, process, hook, verdict, ruleId, ipv6Socket, protocol, port, mappedV4, address, 0);
    }

    public static final int IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_ICMP = 1, IPPROTO_ICMPV6 = 58;

    /** The destination as text: dotted quad, or RFC 5952 IPv6 ({@code 2001:db8::1}). */
    public String ip() {
        return Cidr.format(address);
    }

    /** {@code ipv4}, {@code ipv6}, or for a socket attempt its family ({@code packet}). */
    public String familyName() {
        if (socket != null) return socket.familyName();
        return address.length == 4 ? "ipv4" : "ipv6";
    }

    public String protocolName() {
        if (socket != null && socket.packet()) return socket.etherTypeName();
        return switch (protocol) {
            case IPPROTO_TCP -> "tcp";
            case IPPROTO_UDP -> "udp";
            case IPPROTO_ICMP -> "icmp";
            case IPPROTO_ICMPV6 -> "icmpv6";
            default -> Integer.toString(protocol);
        };
    }
}
