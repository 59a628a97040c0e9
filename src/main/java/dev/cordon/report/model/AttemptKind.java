package dev.cordon.report.model;

import java.util.Locale;

/** Where an attempt was seen: a DNS query at the proxy, or a hook in the kernel. */
public enum AttemptKind {
    DNS, CONNECT, SENDMSG,
    /** A raw inet socket: it could send anything past the address hooks. */
    SOCKET,
    /** A name in a TCP connection's first bytes: a TLS ClientHello's server_name, an HTTP request's Host. */
    TLS, HTTP;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the kind for an events-file {@code type}, or null if it is not an attempt */
    public static AttemptKind ofType(String type) {
        for (AttemptKind k : values()) if (k.label().equals(type)) return k;
        return null;
    }
}
