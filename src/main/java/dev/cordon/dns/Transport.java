package dev.cordon.dns;

/** How a DNS message travels. */
public enum Transport {
    UDP, TCP;

    public String label() {
        return this == UDP ? "udp" : "tcp";
    }
}
