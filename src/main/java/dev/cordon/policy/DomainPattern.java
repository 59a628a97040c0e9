package dev.cordon.policy;

/**
 * {@code github.com} matches github.com and every name below it; {@code *.github.com} matches only
 * names below it. Matching is on label boundaries: neither ever matches {@code evilgithub.com}.
 */
public record DomainPattern(String suffix, boolean subdomainsOnly) {
    public static DomainPattern parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.startsWith("*.") && !t.substring(2).contains("*")) return new DomainPattern(DomainName.parse(t.substring(2)), true);
        if (t.contains("*")) {
            throw new PolicyException("domain '" + text + "': a wildcard is only allowed as the whole first label, as in *.example.com");
        }
        return new DomainPattern(DomainName.parse(t), false);
    }

    /** @param canonicalName a name in {@link DomainName#canonical} form */
    public boolean matches(String canonicalName) {
        if (subdomainsOnly) return !canonicalName.equals(suffix) && DomainName.isAtOrBelow(canonicalName, suffix);
        return DomainName.isAtOrBelow(canonicalName, suffix);
    }

    /** How specific the pattern is: labels of its suffix, a wildcard counting half a label more. */
    public int specificity() {
        return DomainName.labels(suffix) * 2 + (subdomainsOnly ? 1 : 0);
    }

    @Override
    public String toString() {
        return subdomainsOnly ? "*." + suffix : suffix;
    }
}
