package dev.cordon.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The IP part of a session's policy, compiled to what the kernel's LPM tries hold.
 *
 * <p>Semantics, for a destination address and port:
 * <ul>
 *   <li>the most specific prefix that contains the address <em>and has a rule for that port</em>
 *       decides: a {@code /16} denying port 22 inside an allowed {@code /8} leaves port 443 of the
 *       {@code /16} to the {@code /8};</li>
 *   <li>rules of the same prefix that both cover the port: deny wins;</li>
 *   <li>{@link Loopback#ALLOW}: loopback (127.0.0.0/8, ::1/128) is allowed unless a rule names a
 *       prefix at least as specific (for the ports it names);</li>
 *   <li>no rule covers the port: no CIDR decision (the kernel then tries learned addresses, then
 *       the default action).</li>
 * </ul>
 * The kernel looks up only the longest matching prefix, so each trie entry carries its
 * {@linkplain #entries() effective port map}, merged here with what its less specific prefixes say.
 * Rule ids are indexes into {@link #rules()}; the kernel reports them back in events.
 */
public final class IpPolicy {
    /** Port ranges one trie entry can carry (CORDON_PORT_RANGES in bpf/cordon.h). */
    public static final int MAX_PORT_RANGES = 8;
    public static final List<Cidr> LOOPBACK_PREFIXES = List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1"));
    /** A port decided by no rule of an entry ({@link Segment#ruleId}). */
    public static final int NO_RULE = -1;

    /** Ports {@code lo..hi} (0..65535) of an entry and the rule that decides them, or {@link #NO_RULE}. */
    public record Segment(int lo, int hi, int ruleId) {}

    /** One trie entry: ranges that differ from {@code otherRuleId}, which decides every other port. */
    public record Entry(Cidr prefix, int otherRuleId, List<Segment> ranges) {}

    /** A prefix whose effective port map does not fit one kernel entry. */
    public static final class TooManyPortRanges extends PolicyException {
        private static final long serialVersionUID = 1L;
        private final transient Cidr prefix;

        TooManyPortRanges(Cidr prefix, int needed) {
            super("prefix " + prefix + " needs " + needed + " port ranges once merged with the prefixes that contain it; "
                    + "the kernel holds at most " + MAX_PORT_RANGES + ": join ports into ranges or use fewer port rules on it");
            this.prefix = prefix;
        }

        public Cidr prefix() {
            return prefix;
        }
    }

    private final List<IpRule> rules;
    private final Action defaultAction;
    private final Map<Cidr, List<Integer>> byPrefix = new LinkedHashMap<>(); // rule ids by prefix, in rule order
    // The prefix lengths some rule uses, per family, longest first: a walk towards /0 probes only
    // these (a handful) instead of all 33 or 129, which is what keeps 100k rules linear.
    private final int[] lengthsV4;
    private final int[] lengthsV6;
    private final List<Entry> entries;

    private IpPolicy(List<IpRule> rules, Action defaultAction) {
        this.rules = List.copyOf(rules);
        this.defaultAction = defaultAction;
        TreeSet<Integer> v4 = new TreeSet<>(java.util.Comparator.reverseOrder()), v6 = new TreeSet<>(java.util.Comparator.reverseOrder());
        for (int id = 0; id < this.rules.size(); id++) {
            Cidr c = this.rules.get(id).cidr();
            byPrefix.computeIfAbsent(c, k -> new ArrayList<>(1)).add(id); // most prefixes have one rule: no room for ten
            (c.isV4() ? v4 : v6).add(c.prefixLength());
        }
        lengthsV4 = v4.stream().mapToInt(Integer::intValue).toArray();
        lengthsV6 = v6.stream().mapToInt(Integer::intValue).toArray();
        this.entries = compileAll(List.copyOf(byPrefix.keySet()));
    }

    /**
     * Every prefix's entry, in order, worked out on every CPU (a prefix reads only what the
     * constructor built before: most of a 100k-prefix start). A prefix that needs too many ranges
     * is compiled again here to throw: the first such in rule order, as a loop would.
     */
    private List<Entry> compileAll(List<Cidr> prefixes) {
        List<Entry> out = prefixes.parallelStream().map(p -> {
            try {
                return compile(p);
            } catch (TooManyPortRanges e) {
                return null;
            }
        }).toList();
        int failed = out.indexOf(null);
        if (failed >= 0) compile(prefixes.get(failed));
        return out;
    }

    /** Command-line rules (every port), loopback allowed. */
    public static IpPolicy of(List<Cidr> allow, List<Cidr> deny, Action defaultAction) {
        List<IpRule> rules = new ArrayList<>();
        for (Cidr c : allow) rules.add(new IpRule(c, Action.ALLOW, "--allow-cidr"));
        for (Cidr c : deny) rules.add(new IpRule(c, Action.DENY, "--deny-cidr"));
        return of(rules, defaultAction, Loopback.ALLOW);
    }

    /**
     * Rules in order (ids follow it). Rules with the same prefix and ports collapse into one: the
     * first, unless a later one denies (deny wins a tie). With {@link Loopback#ALLOW} an allow of
     * each loopback prefix is added unless a rule already names that prefix on every port.
     *
     * @throws PolicyException if a prefix would need more than {@link #MAX_PORT_RANGES} port ranges
     */
    public static IpPolicy of(List<IpRule> rules, Action defaultAction, Loopback loopback) {
        record Key(Cidr cidr, List<PortRange> ports) {}
        Map<Key, IpRule> unique = new LinkedHashMap<>();
        for (IpRule r : rules) {
            unique.merge(new Key(r.cidr(), r.ports()), r, (old, neu) -> old.action() == Action.ALLOW && neu.action() == Action.DENY ? neu : old);
        }
        if (loopback == Loopback.ALLOW) {
            for (Cidr loop : LOOPBACK_PREFIXES) unique.putIfAbsent(new Key(loop, List.of()), new IpRule(loop, Action.ALLOW, IpRule.LOOPBACK));
        }
        return new IpPolicy(new ArrayList<>(unique.values()), defaultAction);
    }

    /**
     * Whether no prefix of any policy made of these rules can need more than {@link #MAX_PORT_RANGES}
     * ranges, told without compiling one (a 100k-rule file is compiled once, not twice, to check it).
     * A prefix's ranges are cut at the rules' range edges, and the decision covering most ports needs
     * none: with E distinct edges (0 and 65536 counted) a prefix needs at most E - 2.
     */
    public static boolean fitsPortRanges(List<IpRule> rules) {
        java.util.Set<Integer> edges = new java.util.HashSet<>(List.of(0, PortRange.MAX + 1));
        for (IpRule r : rules) {
            for (PortRange p : r.ports()) {
                edges.add(p.lo());
                edges.add(p.hi() + 1);
                if (edges.size() - 2 > MAX_PORT_RANGES) return false;
            }
        }
        return true;
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

    /** What the kernel's tries hold: one entry per distinct prefix, in rule order. */
    public List<Entry> entries() {
        return entries;
    }

    /** The rule that decides {@code ip} on {@code port}, or empty when no rule covers it. */
    public Optional<IpRule> match(byte[] ip, int port) {
        byte[] a = Cidr.unmapped(ip);
        int id = pick(a, a.length * 8, port);
        return rule(id);
    }

    /** The kernel's CIDR-and-default decision for {@code ip} on {@code port}; the reference kernel tests compare against. */
    public Action decide(byte[] ip, int port) {
        return match(ip, port).map(IpRule::action).orElse(defaultAction);
    }

    /** {@link #match(byte[], int)} for a port no port-restricted rule names (rules without ports only). */
    public Optional<IpRule> match(byte[] ip) {
        return match(ip, 0);
    }

    /** {@link #decide(byte[], int)} for a port no port-restricted rule names. */
    public Action decide(byte[] ip) {
        return decide(ip, 0);
    }

    /** The rule id deciding {@code port} for addresses in {@code addr/len}: walk from there to /0. */
    private int pick(byte[] addr, int len, int port) {
        return pick(chain(addr, len), port);
    }

    /** The rule ids of each prefix containing {@code addr/len} (itself included), most specific first. */
    private List<List<Integer>> chain(byte[] addr, int len) {
        List<List<Integer>> chain = new ArrayList<>(4);
        for (int l : addr.length == 4 ? lengthsV4 : lengthsV6) {
            if (l > len) continue;
            List<Integer> ids = byPrefix.get(new Cidr(Cidr.mask(addr, l), l));
            if (ids != null) chain.add(ids);
        }
        return chain;
    }

    private int pick(List<List<Integer>> chain, int port) {
        for (List<Integer> ids : chain) {
            int allow = NO_RULE;
            for (int id : ids) {
                IpRule r = rules.get(id);
                if (!r.coversPort(port)) continue;
                if (r.action() == Action.DENY) return id;
                if (allow == NO_RULE) allow = id;
            }
            if (allow != NO_RULE) return allow;
        }
        return NO_RULE;
    }

    private Entry compile(Cidr prefix) {
        List<List<Integer>> chain = chain(prefix.address(), prefix.prefixLength());
        if (allPorts(chain)) return new Entry(prefix, pick(chain, 0), List.of()); // one decision for every port
        // every port where the decision can change: the edges of the ranges of this prefix and its ancestors
        // (primitive arrays: a prefix has a handful, and 100k prefixes are compiled at start-up)
        int[] edges = edges(chain);
        int n = 0;
        int[] lo = new int[edges.length], hi = new int[edges.length], id = new int[edges.length];
        for (int i = 0; i + 1 < edges.length; i++) {
            int rule = pick(chain, edges[i]);
            if (n > 0 && id[n - 1] == rule) {
                hi[n - 1] = edges[i + 1] - 1;
            } else {
                lo[n] = edges[i];
                hi[n] = edges[i + 1] - 1;
                id[n++] = rule;
            }
        }
        // the decision covering the most ports needs no range; ties go to the one port 0 has
        int other = id[0];
        long best = coverage(id, lo, hi, n, other);
        for (int i = 1; i < n; i++) {
            long c = coverage(id, lo, hi, n, id[i]);
            if (c > best) {
                best = c;
                other = id[i];
            }
        }
        List<Segment> ranges = new ArrayList<>();
        for (int i = 0; i < n; i++) if (id[i] != other) ranges.add(new Segment(lo[i], hi[i], id[i]));
        if (ranges.size() > MAX_PORT_RANGES) {
            throw new TooManyPortRanges(prefix, ranges.size());
        }
        return new Entry(prefix, other, List.copyOf(ranges));
    }

    /** 0, 65536 and each range's first port and the port after it, sorted, each once. */
    private int[] edges(List<List<Integer>> chain) {
        int count = 2;
        for (List<Integer> ids : chain) for (int rule : ids) count += 2 * rules.get(rule).ports().size();
        int[] e = new int[count];
        int k = 0;
        e[k++] = 0;
        e[k++] = PortRange.MAX + 1;
        for (List<Integer> ids : chain) {
            for (int rule : ids) {
                for (PortRange r : rules.get(rule).ports()) {
                    e[k++] = r.lo();
                    e[k++] = r.hi() + 1;
                }
            }
        }
        Arrays.sort(e);
        int distinct = 0;
        for (int i = 0; i < e.length; i++) if (i == 0 || e[i] != e[i - 1]) e[distinct++] = e[i];
        return Arrays.copyOf(e, distinct);
    }

    /** Ports decided by {@code rule} among the first {@code n} segments. */
    private static long coverage(int[] id, int[] lo, int[] hi, int n, int rule) {
        long sum = 0;
        for (int i = 0; i < n; i++) if (id[i] == rule) sum += hi[i] - lo[i] + 1;
        return sum;
    }

    /** Whether no rule of the chain names ports. */
    private boolean allPorts(List<List<Integer>> chain) {
        for (List<Integer> ids : chain) {
            for (int id : ids) if (!rules.get(id).ports().isEmpty()) return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return "IpPolicy" + Arrays.toString(rules.toArray()) + " default " + defaultAction.label();
    }
}
