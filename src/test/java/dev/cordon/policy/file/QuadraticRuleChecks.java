package dev.cordon.policy.file;

import dev.cordon.policy.Action;
import dev.cordon.policy.DomainName;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.EncryptedDns;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.IpRule;
import dev.cordon.policy.Loopback;
import dev.cordon.policy.PortRange;
import dev.cordon.policy.file.PolicyFile.CidrEntry;
import dev.cordon.policy.file.PolicyFile.DomainEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The checks as first written (every rule against every other rule): the reference the indexed
 * {@link RuleChecks} must agree with on every policy (RuleChecksTest).
 */
final class QuadraticRuleChecks {
    private QuadraticRuleChecks() {}

    static List<PolicyProblem> check(PolicyFile p) {
        List<PolicyProblem> out = new ArrayList<>();
        Action def = p.defaultAction() == null ? Action.ALLOW : p.defaultAction();
        Loopback loopback = p.loopback() == null ? Loopback.ALLOW : p.loopback();
        domains(p.domains(), def, out);
        cidrs(p.cidrs(), loopback, out);
        try {
            List<IpRule> rules = new ArrayList<>(p.ipRules());
            if (p.encryptedDns() != EncryptedDns.Setting.ALLOW) {
                rules.addAll(EncryptedDns.ipRules(List.of(EncryptedDns.builtIn()), p.ipRules(), loopback));
            }
            IpPolicy.of(rules, def, loopback);
        } catch (IpPolicy.TooManyPortRanges e) {
            p.cidrs().stream().filter(c -> c.cidr().equals(e.prefix())).findFirst()
                    .ifPresent(c -> out.add(PolicyProblem.error(c.line(), c.column(), e.getMessage()
                            + (p.encryptedDns() == EncryptedDns.Setting.ALLOW ? "" : " (port " + EncryptedDns.DOT_PORT
                            + " is denied on every prefix to block DNS over TLS and counts; name port 853 in a rule of "
                            + "this prefix, or set encryptedDns: allow)"))));
        }
        return out;
    }

    private static String verb(Action a) {
        return a == Action.DENY ? "denied" : "allowed";
    }

    // ---- domains

    private static void domains(List<DomainEntry> all, Action def, List<PolicyProblem> out) {
        for (int i = 0; i < all.size(); i++) {
            DomainEntry d = all.get(i);
            Optional<DomainEntry> earlier = all.subList(0, i).stream().filter(e -> e.pattern().equals(d.pattern())).findFirst();
            if (earlier.isPresent()) {
                DomainEntry e = earlier.get();
                if (e.action() == d.action()) {
                    out.add(PolicyProblem.warning(d.line(), d.column(), "duplicate rule: " + d.pattern() + " is already "
                            + verb(e.action()) + " at line " + e.line()));
                } else {
                    out.add(PolicyProblem.error(d.line(), d.column(), d.pattern() + " is both " + verb(e.action()) + " (line "
                            + e.line() + ") and " + verb(d.action()) + ": remove one"));
                }
                continue;
            }
            boolean contradicted = all.stream().anyMatch(e -> e.pattern().equals(d.pattern()) && e.action() != d.action());
            if (!contradicted) redundantDomain(d, all, def).ifPresent(out::add);
        }
    }

    /** The most specific other rule that matches every name {@code d} matches decides them if d goes. */
    private static Optional<PolicyProblem> redundantDomain(DomainEntry d, List<DomainEntry> all, Action def) {
        DomainEntry best = null;
        for (DomainEntry e : all) {
            if (e.pattern().equals(d.pattern()) || !covers(e.pattern(), d.pattern())) continue;
            if (best == null || e.pattern().specificity() > best.pattern().specificity()
                    || (e.pattern().specificity() == best.pattern().specificity() && e.action() == Action.DENY)) {
                best = e;
            }
        }
        if (best != null && best.action() == d.action()) {
            return Optional.of(PolicyProblem.warning(d.line(), d.column(), "redundant rule: " + d.pattern() + " is already "
                    + verb(d.action()) + " by " + best.pattern() + " (line " + best.line() + ")"));
        }
        if (best == null && d.action() == def) {
            return Optional.of(PolicyProblem.warning(d.line(), d.column(), "redundant rule: " + d.pattern() + " is "
                    + verb(def) + " by default anyway (default: " + def.label() + ")"));
        }
        return Optional.empty();
    }

    /** Whether every name {@code inner} matches is matched by {@code outer}. */
    static boolean covers(DomainPattern outer, DomainPattern inner) {
        if (!DomainName.isAtOrBelow(inner.suffix(), outer.suffix())) return false;
        if (!outer.subdomainsOnly()) return true;
        return !inner.suffix().equals(outer.suffix()) || inner.subdomainsOnly();
    }

    // ---- prefixes

    private static void cidrs(List<CidrEntry> all, Loopback loopback, List<PolicyProblem> out) {
        for (int i = 0; i < all.size(); i++) {
            CidrEntry c = all.get(i);
            boolean reported = false;
            for (CidrEntry e : all.subList(0, i)) {
                if (!e.cidr().equals(c.cidr()) || !overlap(e, c)) continue;
                if (e.action() != c.action()) {
                    out.add(PolicyProblem.error(c.line(), c.column(), c.cidr() + ports(c) + " is both " + verb(e.action())
                            + " (line " + e.line() + ports(e) + ") and " + verb(c.action()) + ": remove one, or split the ports"));
                } else if (rule(e).ports().equals(rule(c).ports())) {
                    out.add(PolicyProblem.warning(c.line(), c.column(), "duplicate rule: " + c.cidr() + ports(c) + " is already "
                            + verb(e.action()) + " at line " + e.line()));
                } else {
                    continue;
                }
                reported = true;
                break;
            }
            if (!reported) redundantCidr(c, all, loopback).ifPresent(out::add);
        }
    }

    private static IpRule rule(CidrEntry c) {
        return new IpRule(c.cidr(), c.action(), "line " + c.line(), c.ports());
    }

    private static String ports(CidrEntry c) {
        List<PortRange> p = rule(c).ports();
        return p.isEmpty() ? "" : " port" + (p.size() == 1 && p.getFirst().lo() == p.getFirst().hi() ? " " : "s ")
                + String.join(",", p.stream().map(PortRange::toString).toList());
    }

    private static boolean overlap(CidrEntry a, CidrEntry b) {
        if (a.ports().isEmpty() || b.ports().isEmpty()) return true;
        return a.ports().stream().anyMatch(x -> b.ports().stream().anyMatch(x::overlaps));
    }

    /**
     * Redundant when the less specific rules (loopback's implicit allow included) already decide
     * every port of {@code c} the same way. The default does not count: a CIDR rule also outranks
     * the addresses learned from DNS answers, so it changes something even when it agrees with it.
     */
    private static Optional<PolicyProblem> redundantCidr(CidrEntry c, List<CidrEntry> all, Loopback loopback) {
        List<IpRule> above = new ArrayList<>();
        for (CidrEntry e : all) {
            if (e.cidr().prefixLength() < c.cidr().prefixLength() && e.cidr().contains(c.cidr().address())) above.add(rule(e));
        }
        IpPolicy outer;
        try {
            outer = IpPolicy.of(above, Action.ALLOW, loopback);
        } catch (IpPolicy.TooManyPortRanges e) {
            return Optional.empty(); // reported on its own
        }
        TreeSet<Integer> edges = new TreeSet<>();
        for (PortRange r : c.ports().isEmpty() ? List.of(new PortRange(1, PortRange.MAX)) : c.ports()) {
            edges.add(r.lo());
            for (IpRule a : above) for (PortRange ar : a.ports()) {
                if (ar.lo() > r.lo() && ar.lo() <= r.hi()) edges.add(ar.lo());
                if (ar.hi() + 1 > r.lo() && ar.hi() + 1 <= r.hi()) edges.add(ar.hi() + 1);
            }
        }
        IpRule decider = null;
        for (int port : edges) {
            Optional<IpRule> m = outer.match(c.cidr().address(), port);
            if (m.isEmpty() || m.get().action() != c.action()) return Optional.empty();
            decider = m.get();
        }
        String by = decider.origin().equals(IpRule.LOOPBACK) ? "loopback: allow" : decider.cidr() + " (" + decider.origin() + ")";
        return Optional.of(PolicyProblem.warning(c.line(), c.column(), "redundant rule: " + c.cidr() + ports(c) + " is already "
                + verb(c.action()) + " by " + by));
    }
}
