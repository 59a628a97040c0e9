package dev.cordon.events;

/**
 * The name a TCP connection's first bytes carried ({@link Hook#TLS}, {@link Hook#HTTP}).
 *
 * @param name as sent, lower case, without a port or a trailing dot; empty when it could not be
 *             read (the message looked like a ClientHello or a request, but its name was not there)
 * @param ech  the ClientHello was encrypted (ECH): {@code name} is its outer name, the one it
 *             really asked for is hidden
 */
public record FirstBytes(String name, boolean ech) {
    public boolean unreadable() {
        return name.isEmpty();
    }
}
