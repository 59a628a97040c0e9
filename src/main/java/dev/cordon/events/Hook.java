package dev.cordon.events;

/** Where in the kernel an attempt was seen. */
public enum Hook {
    CONNECT("connect"), SENDMSG("sendmsg");

    public final String label;

    Hook(String label) {
        this.label = label;
    }
}
