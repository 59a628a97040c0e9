package dev.cordon.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One prefix with its action, on every port or only on {@code ports}; {@code origin} says where it
 * came from ({@code policy.yaml:12}, {@code --deny-cidr}, {@code loopback}) for reports.
 */
public record IpRule(Cidr cidr, Action action, String origin, List<PortRange> ports) {
    public static final String LOOPBACK = "loopback";

    /** Sorts the ranges and joins those that overlap or touch, so equal port sets compare equal. */
    public IpRule {
        ports = ports.isEmpty() ? List.of() : normalised(ports); // most rules name no port
    }

    private static List<PortRange> normalised(List<PortRange> ports) {
        List<PortRange> sorted = new ArrayList<>(ports);
        sorted.sort(Comparator.comparingInt(PortRange::lo));
        List<PortRange> merged = new ArrayList<>();
        for (PortRange r : sorted) {
            PortRange last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && r.lo() <= last.hi() + 1) merged.set(merged.size() - 1, new PortRange(last.lo(), Math.max(last.hi(), r.hi())));
            else merged.add(r);
        }
        if (merged.size() == 1 && merged.getFirst().lo() == 1 && merged.getFirst().hi() == PortRange.MAX) merged.clear();
        return List.copyOf(merged);
    }

    /** A rule for every port. */
    public IpRule(Cidr cidr, Action action, String origin) {
        this(cidr, action, origin, List.of());
    }

    public boolean allPorts() {
        return ports.isEmpty();
    }

    public boolean coversPort(int port) {
        for (PortRange r : ports) if (r.contains(port)) return true; // a loop: it runs for every rule of 100k-rule policies
        return ports.isEmpty();
    }

    /**
     * What log lines print as {@code rule=}: the prefix (or {@code loopback}), never the ports or
     * origin; the encrypted-DNS port rule, added on many prefixes, reads {@code port:853}.
     */
    public String label() {
        if (origin.equals(LOOPBACK)) return LOOPBACK;
        if (EncryptedDns.isOrigin(origin) && !ports.isEmpty()) return "port:" + EncryptedDns.DOT_PORT;
        return cidr.toString();
    }
}
