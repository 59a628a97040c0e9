package dev.cordon.events;

/** Where in the kernel an attempt was seen. */
public enum Hook {
    CONNECT("connect"), SENDMSG("sendmsg"),
    /** A raw inet socket was created: it could send anything past the address hooks. */
    SOCKET("socket"),
    /** The first bytes of a TCP connection were a TLS ClientHello: its server_name was judged ({@link FirstBytes}). */
    TLS("tls"),
    /** The first bytes of a TCP connection were an HTTP/1.x request: its Host (or target) was judged. */
    HTTP("http");

    public final String label;

    Hook(String label) {
        this.label = label;
    }

    /** Whether the attempt is a name read from a connection's first bytes. */
    public boolean firstBytes() {
        return this == TLS || this == HTTP;
    }
}
