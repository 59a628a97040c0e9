package dev.cordon.policy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The dependencies a run rehearses as down (--simulate-outage), how, and the cap on any one wait:
 * a held DNS answer or a TCP connect that gets no answer gives up after {@code maxWait}, so the run
 * still ends. Names match as domain rules do (on label boundaries, subdomains included).
 */
public record OutagePlan(List<DomainPattern> domains, OutageStyle style, Duration maxWait) {
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);
    public static final OutagePlan NONE = new OutagePlan(List.of(), OutageStyle.TIMEOUT, DEFAULT_WAIT);

    public OutagePlan {
        domains = List.copyOf(domains);
        if (maxWait.isNegative() || maxWait.isZero()) throw new PolicyException("--outage-wait must be more than 0");
        if (maxWait.compareTo(Duration.ofHours(1)) > 0) throw new PolicyException("--outage-wait is capped at one hour");
    }

    public boolean active() {
        return !domains.isEmpty();
    }

    /**
     * The outage pattern covering every name strictly below {@code suffix} that no pattern more
     * specific than {@code suffix} names: the most specific one at or above it, wildcard or not.
     */
    public Optional<DomainPattern> matchBelow(String suffix) {
        String s = DomainName.canonical(suffix);
        DomainPattern best = null;
        for (DomainPattern p : domains) {
            if (DomainName.isAtOrBelow(s, p.suffix()) && (best == null || p.specificity() > best.specificity())) best = p;
        }
        return Optional.ofNullable(best);
    }

    /** The outage pattern covering {@code name} (canonical or absolute), if any; the most specific wins. */
    public Optional<DomainPattern> match(String name) {
        String n = DomainName.canonical(name);
        DomainPattern best = null;
        for (DomainPattern p : domains) {
            if (p.matches(n) && (best == null || p.specificity() > best.specificity())) best = p;
        }
        return Optional.ofNullable(best);
    }
}
