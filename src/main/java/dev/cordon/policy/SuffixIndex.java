package dev.cordon.policy;

/**
 * A policy's decisions by name suffix, in one open-addressed table that a name is looked up in
 * without building a string per suffix: the hash of a suffix is extended one character leftwards
 * at a time ({@code h(c + s) = c + 31 * h(s)}), so walking a name from its end probes every label
 * suffix in one pass. The longest suffix with a rule wins, and {@code *.s} beats {@code s} for the
 * names below {@code s}: what {@link DomainPolicy#decide} promises.
 */
final class SuffixIndex {
    private final String[] keys;
    /** For a key {@code s}: the decision of pattern {@code s} (null if none), and of {@code *.s}. */
    private final DomainPolicy.Decision[] exact, wildcard;
    private final int mask;

    /** An index with room for {@code patterns} patterns, each {@link #put} once. */
    SuffixIndex(int patterns) {
        int size = Integer.highestOneBit(Math.max(4, patterns * 2 - 1)) << 1;
        keys = new String[size];
        exact = new DomainPolicy.Decision[size];
        wildcard = new DomainPolicy.Decision[size];
        mask = size - 1;
    }

    /** The decision of {@code pattern}: {@code s} or {@code *.s}, filed under {@code s}. */
    void put(DomainPattern pattern, DomainPolicy.Decision d) {
        (pattern.subdomainsOnly() ? wildcard : exact)[slot(pattern.suffix())] = d;
    }

    /** The slot of key {@code k}, claimed if it has none yet. */
    private int slot(String k) {
        int i = hash(k, 0, k.length()) & mask;
        while (keys[i] != null && !keys[i].equals(k)) i = (i + 1) & mask;
        keys[i] = k;
        return i;
    }

    private static int hash(String s, int from, int to) {
        int h = 0;
        for (int i = to - 1; i >= from; i--) h = s.charAt(i) + 31 * h;
        return h;
    }

    /**
     * The most specific decision for the canonical name {@code n[0, end)} (lower case, without a
     * final dot), or null when no pattern covers it; with {@code below}, the decision for the names
     * strictly below it that no more specific pattern covers (its own {@code *.n} before {@code n}).
     */
    DomainPolicy.Decision decide(String n, int end, boolean below) {
        DomainPolicy.Decision best = null;
        int h = 0;
        for (int i = end - 1; i >= -1; i--) {
            if (i < 0 || n.charAt(i) == '.') { // n[i + 1, end) is a label suffix
                int s = find(n, i + 1, end, h);
                if (s >= 0) {
                    DomainPolicy.Decision d = i < 0 && !below ? exact[s] : wildcard[s] != null ? wildcard[s] : exact[s];
                    if (d != null) best = d;
                }
            }
            if (i >= 0) h = n.charAt(i) + 31 * h;
        }
        return best;
    }

    private int find(String n, int from, int to, int h) {
        for (int i = h & mask; keys[i] != null; i = (i + 1) & mask) {
            String k = keys[i];
            if (k.length() == to - from && k.regionMatches(0, n, from, to - from)) return i;
        }
        return -1;
    }
}
