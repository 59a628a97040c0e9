package dev.cordon.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides names. The most specific matching pattern wins ({@code --deny github.com
 * --allow api.github.com} allows only the API); the same pattern both allowed and denied is denied;
 * no match means the default action. Names are compared in canonical form.
 */
public final class DomainPolicy {
    public record Decision(Action action, Optional<DomainRule> rule) {
        public boolean denied() {
            return action == Action.DENY;
        }

        public String ruleLabel() {
            return rule.map(r -> r.pattern().toString()).orElse("default:" + action.label());
        }
    }

    private final List<DomainRule> rules;
    private final Action defaultAction;
    private final Decision defaultDecision;
    /** Decisions made once, by pattern suffix, so deciding allocates nothing. */
    private final SuffixIndex index;

    private DomainPolicy(List<DomainRule> rules, Action defaultAction) {
        this.rules = List.copyOf(rules);
        this.defaultAction = defaultAction;
        this.defaultDecision = new Decision(defaultAction, Optional.empty());
        this.index = new SuffixIndex(this.rules.size());
        for (DomainRule r : this.rules) index.put(r.pattern(), new Decision(r.action(), Optional.of(r))); // one rule per pattern (of)
    }

    public static DomainPolicy of(List<DomainPattern> allow, List<DomainPattern> deny, Action defaultAction) {
        List<DomainRule> rules = new ArrayList<>();
        for (DomainPattern p : allow) rules.add(new DomainRule(p, Action.ALLOW, "--allow"));
        for (DomainPattern p : deny) rules.add(new DomainRule(p, Action.DENY, "--deny"));
        return of(rules, defaultAction);
    }

    /** One rule per pattern: the first, unless a later one denies it (deny wins a tie). */
    public static DomainPolicy of(List<DomainRule> rules, Action defaultAction) {
        Map<DomainPattern, DomainRule> byPattern = new LinkedHashMap<>();
        for (DomainRule r : rules) {
            byPattern.merge(r.pattern(), r, (old, neu) -> old.action() == Action.ALLOW && neu.action() == Action.DENY ? neu : old);
        }
        return new DomainPolicy(new ArrayList<>(byPattern.values()), defaultAction);
    }

    public List<DomainRule> rules() {
        return rules;
    }

    public Action defaultAction() {
        return defaultAction;
    }

    /** "allowlist" when unlisted names are denied, "blocklist" otherwise (GitHub's log field). */
    public String firewallMethod() {
        return defaultAction == Action.DENY ? "allowlist" : "blocklist";
    }

    /**
     * Walks the name's label suffixes ({@link SuffixIndex}): the longest with a pattern is the most
     * specific match (a suffix with more labels beats one with fewer, and {@code *.s} beats
     * {@code s}), so a lookup costs one hash probe per label, whatever the policy's size, and
     * allocates nothing for a name already in lower case.
     */
    public Decision decide(String name) {
        String n = DomainName.isLowerCase(name) ? name : name.toLowerCase(java.util.Locale.ROOT);
        int end = n.endsWith(".") ? n.length() - 1 : n.length(); // canonical without a copy: the proxy's hot path
        Decision best = index.decide(n, end, false);
        return best == null ? defaultDecision : best;
    }

    /**
     * The decision for every name strictly below {@code suffix} that no pattern more specific than
     * {@code suffix} covers: {@code *.suffix}, else {@code suffix}, else what covers {@code suffix}
     * itself from above. With {@link #decide} this is all a longest-suffix table needs (the
     * kernel's name table, {@link DomainSuffixTable}).
     */
    public Decision decideBelow(String suffix) {
        String s = DomainName.canonical(suffix);
        Decision best = index.decide(s, s.length(), true);
        return best == null ? defaultDecision : best;
    }
}
