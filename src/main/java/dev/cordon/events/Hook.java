package dev.cordon.events;

/** Where in the kernel an attempt was seen. */
public enum Hook {
    CONNECT("connect"), SENDMSG("sendmsg"),
    /** A raw inet socket was created: it could send anything past the address hooks. */
    SOCKET("socket");

    public final String label;

    Hook(String label) {
        this.label = label;
    }
}
