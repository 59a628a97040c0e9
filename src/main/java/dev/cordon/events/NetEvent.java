package dev.cordon.events;

import dev.cordon.policy.Cidr;

/**
 * A connect() or sendmsg() toward an inet destination. {@code address} is 4 bytes for IPv4
 * (including an IPv4-mapped destination of a v6 socket, flagged by {@code mappedV4}) or 16.
 */
public record NetEvent(long monotonicNs, ProcessRef process, Hook hook, Verdict verdict, int ruleId,
                       boolean ipv6Socket, int protocol, int port, boolean mappedV4, byte[] address, long cookie)
        implements KernelEvent {
    public NetEvent(long monotonicNs, ProcessRef process, Hook hook, Verdict verdict, int ruleId,
                    boolean ipv6Socket, int protocol, int port, boolean mappedV4, byte[] address) {
        this(monotonicNs, process, hook, verdict, ruleId, ipv6Socket, protocol, port, mappedV4, address, 0);
    }

    public static final int IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_ICMP = 1, IPPROTO_ICMPV6 = 58;

    /** The destination as text: dotted quad, or RFC 5952 IPv6 ({@code 2001:db8::1}). */
    public String ip() {
        return Cidr.format(address);
    }

    public String protocolName() {
        return switch (protocol) {
            case IPPROTO_TCP -> "tcp";
            case IPPROTO_UDP -> "udp";
            case IPPROTO_ICMP -> "icmp";
            case IPPROTO_ICMPV6 -> "icmpv6";
            default -> Integer.toString(protocol);
        };
    }
}
