package dev.cordon.policy;

/** How the DNS proxy answers a blocked name: NXDOMAIN ("no such name") or REFUSED. */
public enum BlockedResponse {
    NXDOMAIN(3), REFUSED(5);

    private final int rcode;

    BlockedResponse(int rcode) {
        this.rcode = rcode;
    }

    /** The DNS response code (RFC 1035, 4.1.1). */
    public int rcode() {
        return rcode;
    }
}
