package dev.cordon.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The IP part of a session's policy, compiled to what the kernel's LPM tries hold.
 *
 * <p>Semantics (the tries implement the first, this class the rest):
 * <ul>
 *   <li>the most specific prefix that contains the destination decides;</li>
 *   <li>the same prefix both allowed and denied is denied (deny wins a tie);</li>
 *   <li>loopback (127.0.0.0/8, ::1/128) is allowed unless a rule names a prefix at least as specific;</li>
 *   <li>no prefix matches: the default action.</li>
 * </ul>
 * Rule ids are indexes into {@link #rules()}; the kernel reports them back in events.
 */
public final class IpPolicy {
    private final List<IpRule> rules;
    private final Action defaultAction;

    private IpPolicy(List<IpRule> rules, Action defaultAction) {
        this.rules = List.copyOf(rules);
        this.defaultAction = defaultAction;
    }

    public static IpPolicy of(List<Cidr> allow, List<Cidr> deny, Action defaultAction) {
        Map<Cidr, IpRule> byPrefix = new LinkedHashMap<>();
        for (Cidr c : allow) byPrefix.putIfAbsent(c, new IpRule(c, Action.ALLOW, "--allow-cidr"));
        for (Cidr c : deny) byPrefix.put(c, new IpRule(c, Action.DENY, "--deny-cidr")); // deny wins a tie
        for (Cidr loop : List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1"))) {
            byPrefix.putIfAbsent(loop, new IpRule(loop, Action.ALLOW, IpRule.LOOPBACK));
        }
        return new IpPolicy(new ArrayList<>(byPrefix.values()), defaultAction);
    }

    public List<IpRule> rules() {
        return rules;
    }

    public Action defaultAction() {
        return defaultAction;
    }

    public Optional<IpRule> rule(int id) {
        return id >= 0 && id < rules.size() ? Optional.of(rules.get(id)) : Optional.empty();
    }

    /** The rule that decides {@code ip} (longest prefix), or empty for the default. */
    public Optional<IpRule> match(byte[] ip) {
        IpRule best = null;
        for (IpRule r : rules) {
            if (r.cidr().contains(ip) && (best == null || r.cidr().prefixLength() > best.cidr().prefixLength())) best = r;
        }
        return Optional.ofNullable(best);
    }

    /** What the kernel will decide for {@code ip}; the reference the kernel tests compare against. */
    public Action decide(byte[] ip) {
        return match(ip).map(IpRule::action).orElse(defaultAction);
    }
}
