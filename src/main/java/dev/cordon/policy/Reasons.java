package dev.cordon.policy;

/**
 * Every {@code reason=} a log line or events record can carry, in one place: where the name came
 * from, or why a guard that is not the user's own rule applies. Readers of the events file and the
 * reports match on these strings; a value never changes once published (docs/EVENTS.md).
 */
public final class Reasons {
    private Reasons() {}

    /** A DNS query's own name. */
    public static final String FROM_DNS_REQUEST = "FromDNSRequest";
    /** A name in a DNS answer's chain (CNAME, DNAME, SVCB/HTTPS target). */
    public static final String FROM_DNS_RESPONSE_CNAME = "FromDNSResponseCNAME";
    /** The server_name of a TLS ClientHello, the first bytes of a TCP connection. */
    public static final String FROM_TLS_SNI = "FromTLSSNI";
    /** The Host (or absolute target, or CONNECT authority) of an HTTP/1.x request, the first bytes of a TCP connection. */
    public static final String FROM_HTTP_HOST = "FromHTTPHost";
    /** A name or address of the encrypted-DNS list ({@link EncryptedDns}), however it was reached. */
    public static final String ENCRYPTED_DNS = "EncryptedDNS";
    /** --block-private-answers refused an answer giving a public name a private address (DNS rebinding). */
    public static final String PRIVATE_ANSWER = "PrivateAnswer";
    /** A name rehearsed as down (--simulate-outage). */
    public static final String SIMULATED_OUTAGE = "SimulatedOutage";
    /** A TCP Fast Open connect: its first bytes would leave with the SYN, before they can be read. */
    public static final String TCP_FAST_OPEN = "TCPFastOpen";

    /** {@link #ENCRYPTED_DNS} when the deciding rule is one of the encrypted-DNS list's, else {@code otherwise}. */
    public static String of(DomainPolicy.Decision d, String otherwise) {
        return d.rule().filter(r -> EncryptedDns.isOrigin(r.origin())).isPresent() ? ENCRYPTED_DNS : otherwise;
    }
}
