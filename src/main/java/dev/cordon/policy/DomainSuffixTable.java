package dev.cordon.policy;

import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The domain policy (and the names rehearsed as down) as a longest-suffix table: what the kernel's
 * name table holds to judge a name read from a connection's first bytes (bpf/first_bytes.bpf.h).
 *
 * <p>There is one entry per pattern suffix. A name's longest entry on a label boundary answers for
 * it: the entry's own decision if the name is the suffix itself, else its decision for names below
 * it. Both are computed here by {@link DomainPolicy#decide} and {@link DomainPolicy#decideBelow}, the
 * code that decides DNS queries, so the kernel cannot come to another answer as long as it finds the
 * right entry; {@link #lookup} does what the kernel does, and the tests hold it to DomainPolicy.
 */
public final class DomainSuffixTable {
    /**
     * What one suffix says.
     *
     * @param self        the decision for the name that is the suffix itself
     * @param below       the decision for names below it that no longer entry covers
     * @param selfOutage  the outage pattern covering the suffix itself, or -1 (an index into the plan's domains)
     * @param belowOutage the same for names below it
     */
    public record Entry(String suffix, DomainPolicy.Decision self, DomainPolicy.Decision below, int selfOutage,
                        int belowOutage) {}

    /** A lookup's answer: the decision and the outage pattern (index, or -1). */
    public record Answer(DomainPolicy.Decision decision, int outage) {}

    private final DomainPolicy policy;
    private final OutagePlan outage;
    private final List<Entry> entries;
    private Map<String, Entry> bySuffix; // for lookup, built at its first use: the kernel's table needs only the entries
    private final Map<DomainRule, Integer> ruleIds = new IdentityHashMap<>();

    public DomainSuffixTable(DomainPolicy policy, OutagePlan outage) {
        this.policy = policy;
        this.outage = outage;
        for (int i = 0; i < policy.rules().size(); i++) ruleIds.put(policy.rules().get(i), i);
        // worked out on every CPU (the policy decides read-only): 100k suffixes are most of a 100k-name start
        this.entries = List.copyOf(suffixes(policy, outage)).parallelStream().map(this::entry).toList();
    }

    private Entry entry(String s) {
        return new Entry(s, policy.decide(s), policy.decideBelow(s), index(outage.match(s)), index(outage.matchBelow(s)));
    }

    /** The table's keys, in its order: every pattern suffix of the policy and of the outage plan, once. */
    public static Set<String> suffixes(DomainPolicy policy, OutagePlan outage) {
        Set<String> suffixes = new LinkedHashSet<>();
        for (DomainRule r : policy.rules()) suffixes.add(r.pattern().suffix());
        for (DomainPattern p : outage.domains()) suffixes.add(p.suffix());
        return suffixes;
    }

    private int index(Optional<DomainPattern> p) {
        return p.map(outage.domains()::indexOf).orElse(-1);
    }

    public List<Entry> entries() {
        return entries;
    }

    /** The index of a rule in {@link DomainPolicy#rules()}: the id the kernel reports, with its generation. */
    public int ruleId(DomainRule rule) {
        Integer id = ruleIds.get(rule);
        if (id == null) throw new IllegalArgumentException("not a rule of this policy: " + rule);
        return id;
    }

    public DomainPolicy policy() {
        return policy;
    }

    public OutagePlan outage() {
        return outage;
    }

    /**
     * The kernel's algorithm, in Java: the longest entry that is the name or a label suffix of it.
     * No entry: the default, and no outage.
     */
    public synchronized Answer lookup(String name) {
        if (bySuffix == null) {
            Map<String, Entry> m = new java.util.HashMap<>();
            for (Entry e : entries) m.put(e.suffix(), e);
            bySuffix = m;
        }
        String n = DomainName.canonical(name);
        String suffix = n;
        for (int at = -1; ; ) {
            Entry e = bySuffix.get(suffix);
            if (e != null) return at < 0 ? new Answer(e.self(), e.selfOutage()) : new Answer(e.below(), e.belowOutage());
            at = n.indexOf('.', at + 1);
            if (at < 0) return new Answer(new DomainPolicy.Decision(policy.defaultAction(), Optional.empty()), -1);
            suffix = n.substring(at + 1);
        }
    }
}
