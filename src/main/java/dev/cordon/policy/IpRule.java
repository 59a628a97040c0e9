package dev.cordon.policy;

/** One prefix with its action; {@code origin} says where it came from (for reports). */
public record IpRule(Cidr cidr, Action action, String origin) {
    public static final String LOOPBACK = "loopback";

    public String label() {
        return origin.equals(LOOPBACK) ? LOOPBACK : cidr.toString();
    }
}
