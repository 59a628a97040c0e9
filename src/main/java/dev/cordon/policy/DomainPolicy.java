package dev.cordon.policy;

import java.util.ArrayList;
import java.util.HashMap;
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

    private final Map<DomainPattern, DomainRule> byPattern; // one rule per pattern: a decision walks the name's suffixes

    private DomainPolicy(List<DomainRule> rules, Action defaultAction) {
        this.rules = List.copyOf(rules);
        this.defaultAction = defaultAction;
        this.byPattern = new HashMap<>(rules.size() * 2);
        for (DomainRule r : this.rules) byPattern.put(r.pattern(), r);
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
     * Walks from the name to its parents: {@code a.b.c}, then {@code *.b.c} and {@code b.c}, and so
     * on. Specificity falls strictly along that walk (labels first, a wildcard half a label more),
     * so the first pattern found is the most specific match; one per pattern, so no tie to break.
     * O(labels), whatever the number of rules: the proxy asks this for every query.
     */
    public Decision decide(String name) {
        String n = DomainName.canonical(name);
        DomainRule best = byPattern.get(new DomainPattern(n, false));
        for (int dot = n.indexOf('.'); best == null && dot >= 0; dot = n.indexOf('.', dot + 1)) {
            String parent = n.substring(dot + 1);
            best = byPattern.get(new DomainPattern(parent, true));
            if (best == null) best = byPattern.get(new DomainPattern(parent, false));
        }
        return best == null ? new Decision(defaultAction, Optional.empty()) : new Decision(best.action(), Optional.of(best));
    }
}
