package dev.cordon.policy.file;

import dev.cordon.policy.Action;
import dev.cordon.policy.Cidr;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What is wrong with the rules taken together: contradictions and prefixes the kernel cannot
 * hold (errors), duplicate and redundant rules (warnings, the policy still means what it says).
 */
final class RuleChecks {
    private RuleChecks() {}

    /** Counts index probes, so a test can prove the checks stay linear without timing them. */
    static final class Probes {
        private long count;

        void add() {
            count++;
        }

        long count() {
            return count;
        }
    }

    static List<PolicyProblem> check(PolicyFile p) {
        return check(p, new Probes());
    }

    static List<PolicyProblem> check(PolicyFile p, Probes probes) {
        List<PolicyProblem> out = new ArrayList<>();
        Action def = p.defaultAction() == null ? Action.ALLOW : p.defaultAction();
        Loopback loopback = p.loopback() == null ? Loopback.ALLOW : p.loopback();
        domains(p.domains(), def, out, probes);
        cidrs(p.cidrs(), loopback, out, probes);
        try {
            List<IpRule> user = p.ipRules();
            List<IpRule> rules = new ArrayList<>(user);
            if (p.encryptedDns() != EncryptedDns.Setting.ALLOW) {
                rules.addAll(EncryptedDns.ipRules(List.of(EncryptedDns.builtIn()), user, loopback));
            }
            if (!IpPolicy.fitsPortRanges(rules)) IpPolicy.of(rules, def, loopback); // compiled only when a prefix may not fit
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

    // Every check looks rules up by pattern (a hash map of the rules in file order), never scans
    // them: 100k rules take O(n * labels).
    private static void domains(List<DomainEntry> all, Action def, List<PolicyProblem> out, Probes probes) {
        Map<DomainPattern, List<DomainEntry>> byPattern = new HashMap<>(all.size() * 2);
        for (DomainEntry d : all) byPattern.computeIfAbsent(d.pattern(), k -> new ArrayList<>(1)).add(d);
        for (DomainEntry d : all) {
            probes.add();
            List<DomainEntry> same = byPattern.get(d.pattern()); // this pattern's rules, in file order
            DomainEntry e = same.getFirst();
            if (e != d) { // a later rule of the pattern
                if (e.action() == d.action()) {
                    out.add(PolicyProblem.warning(d.line(), d.column(), "duplicate rule: " + d.pattern() + " is already "
                            + verb(e.action()) + " at line " + e.line()));
                } else {
                    out.add(PolicyProblem.error(d.line(), d.column(), d.pattern() + " is both " + verb(e.action()) + " (line "
                            + e.line() + ") and " + verb(d.action()) + ": remove one"));
                }
                continue;
            }
            if (!contradicted(same, d.action())) redundantDomain(d, byPattern, def, probes).ifPresent(out::add);
        }
    }

    private static boolean contradicted(List<DomainEntry> same, Action action) {
        for (int i = 1; i < same.size(); i++) if (same.get(i).action() != action) return true; // the first is the rule itself
        return false;
    }

    /**
     * The most specific other rule that matches every name {@code d} matches decides them if d goes.
     * The patterns covering {@code *.b.c} are {@code b.c}, then {@code *.c} and {@code c}: specificity
     * falls strictly along that walk, so the first pattern found is the most specific; among its
     * rules (duplicates) a deny wins, else the first.
     */
    private static Optional<PolicyProblem> redundantDomain(DomainEntry d, Map<DomainPattern, List<DomainEntry>> byPattern,
                                                           Action def, Probes probes) {
        String s = d.pattern().suffix();
        List<DomainEntry> covering = null;
        if (d.pattern().subdomainsOnly()) {
            probes.add();
            covering = byPattern.get(new DomainPattern(s, false));
        }
        for (int dot = s.indexOf('.'); covering == null && dot >= 0; dot = s.indexOf('.', dot + 1)) {
            String parent = s.substring(dot + 1);
            probes.add();
            covering = byPattern.get(new DomainPattern(parent, true));
            if (covering == null) {
                probes.add();
                covering = byPattern.get(new DomainPattern(parent, false));
            }
        }
        DomainEntry best = null;
        if (covering != null) {
            best = covering.getFirst();
            for (DomainEntry e : covering) if (e.action() == Action.DENY) best = e;
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

    private static void cidrs(List<CidrEntry> all, Loopback loopback, List<PolicyProblem> out, Probes probes) {
        Map<Cidr, List<CidrEntry>> byCidr = new HashMap<>(all.size() * 2);
        TreeSet<Integer> v4 = new TreeSet<>(), v6 = new TreeSet<>();
        for (CidrEntry c : all) {
            byCidr.computeIfAbsent(c.cidr(), k -> new ArrayList<>(1)).add(c);
            (c.cidr().isV4() ? v4 : v6).add(c.cidr().prefixLength());
        }
        for (CidrEntry c : all) {
            boolean reported = false;
            List<CidrEntry> same = byCidr.get(c.cidr()); // this prefix's rules, in file order
            for (CidrEntry e : same.subList(0, indexOf(same, c))) { // the earlier ones
                probes.add();
                if (!overlap(e, c)) continue;
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
            if (!reported) redundantCidr(c, byCidr, c.cidr().isV4() ? v4 : v6, loopback, probes).ifPresent(out::add);
        }
    }

    /** Where {@code c} itself is in {@code same} (the entries are compared as objects: equal rules are two rules). */
    private static int indexOf(List<CidrEntry> same, CidrEntry c) {
        int i = 0;
        while (same.get(i) != c) i++;
        return i;
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

    private static boolean inLoopback(byte[] addr) {
        for (Cidr l : IpPolicy.LOOPBACK_PREFIXES) if (l.contains(addr)) return true;
        return false;
    }

    /**
     * Redundant when the less specific rules (loopback's implicit allow included) already decide
     * every port of {@code c} the same way. The default does not count: a CIDR rule also outranks
     * the addresses learned from DNS answers, so it changes something even when it agrees with it.
     */
    private static Optional<PolicyProblem> redundantCidr(CidrEntry c, Map<Cidr, List<CidrEntry>> byCidr, Set<Integer> lengths,
                                                         Loopback loopback, Probes probes) {
        // the less specific prefixes that contain c: one lookup per prefix length in use
        List<IpRule> above = new ArrayList<>();
        byte[] addr = c.cidr().address();
        for (int len : lengths) {
            if (len >= c.cidr().prefixLength()) break;
            probes.add();
            List<CidrEntry> at = byCidr.get(Cidr.masked(addr, len));
            if (at != null) for (CidrEntry e : at) above.add(rule(e));
        }
        if (above.isEmpty() && !(loopback == Loopback.ALLOW && inLoopback(addr))) {
            return Optional.empty(); // nothing less specific decides any port of c
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
