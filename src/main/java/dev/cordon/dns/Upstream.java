package dev.cordon.dns;

import java.io.IOException;

/**
 * Where the proxy sends the queries it lets through. The seam tests replace (as dnsjava's
 * IoClientFactory does), and the real one speaks UDP and TCP to the configured servers.
 */
public interface Upstream {
    /**
     * Sends one query in wire format and returns the answer in wire format (same id).
     * Throws on timeout or when no server answers.
     */
    byte[] exchange(byte[] query, Transport transport) throws IOException;
}
