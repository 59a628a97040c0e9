package dev.cordon.policy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Port-restricted prefixes: decide(ip, port) semantics and the per-entry port maps the kernel holds. */
class IpPolicyPortsTest {
    private static byte[] ip(String literal) {
        return Cidr.parse(literal).address();
    }

    private static IpRule rule(String cidr, Action a, String... ports) {
        return new IpRule(Cidr.parse(cidr), a, "t", List.of(ports).stream().map(PortRange::parse).toList());
    }

    private static IpPolicy policy(Action def, Loopback loopback, IpRule... rules) {
        return IpPolicy.of(List.of(rules), def, loopback);
    }

    /** What the kernel does with an entry: first range holding the port, else the entry's other decision. */
    private static int kernelLookup(IpPolicy p, byte[] ip, int port) {
        IpPolicy.Entry best = null;
        for (IpPolicy.Entry e : p.entries()) {
            if (e.prefix().contains(ip) && (best == null || e.prefix().prefixLength() > best.prefix().prefixLength())) best = e;
        }
        if (best == null) return IpPolicy.NO_RULE;
        for (IpPolicy.Segment s : best.ranges()) if (port >= s.lo() && port <= s.hi()) return s.ruleId();
        return best.otherRuleId();
    }

    @Test
    void aMoreSpecificPrefixDecidesOnlyThePortsItNames() {
        // a /16 denying port 22 inside a /8 allow: port 443 on the /16 is the /8's
        IpPolicy p = policy(Action.DENY, Loopback.ALLOW, rule("10.0.0.0/8", Action.ALLOW), rule("10.1.0.0/16", Action.DENY, "22"));
        assertThat(p.decide(ip("10.1.2.3"), 22)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("10.1.2.3"), 443)).isEqualTo(Action.ALLOW);
        assertThat(p.match(ip("10.1.2.3"), 443).orElseThrow().cidr()).isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThat(p.decide(ip("10.2.0.1"), 22)).isEqualTo(Action.ALLOW);
        assertThat(p.decide(ip("11.0.0.1"), 443)).isEqualTo(Action.DENY); // default
    }

    @Test
    void theEffectivePortMapOfAnEntryIncludesItsAncestors() {
        IpPolicy p = policy(Action.ALLOW, Loopback.RULES, rule("10.0.0.0/8", Action.ALLOW), rule("10.1.0.0/16", Action.DENY, "22"));
        IpPolicy.Entry e16 = p.entries().get(1);
        assertThat(e16.prefix()).isEqualTo(Cidr.parse("10.1.0.0/16"));
        assertThat(e16.otherRuleId()).isZero(); // the /8's allow, for every port but 22
        assertThat(e16.ranges()).containsExactly(new IpPolicy.Segment(22, 22, 1));
        IpPolicy.Entry e8 = p.entries().getFirst();
        assertThat(e8.otherRuleId()).isZero();
        assertThat(e8.ranges()).isEmpty();
    }

    @Test
    void portsNoRuleNamesFallThrough() {
        IpPolicy p = policy(Action.DENY, Loopback.RULES, rule("192.0.2.0/24", Action.ALLOW, "443", "8000-8100"));
        IpPolicy.Entry e = p.entries().getFirst();
        assertThat(e.otherRuleId()).isEqualTo(IpPolicy.NO_RULE);
        assertThat(e.ranges()).containsExactly(new IpPolicy.Segment(443, 443, 0), new IpPolicy.Segment(8000, 8100, 0));
        assertThat(p.match(ip("192.0.2.1"), 80)).isEmpty();
        assertThat(p.decide(ip("192.0.2.1"), 80)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("192.0.2.1"), 8050)).isEqualTo(Action.ALLOW);
    }

    @Test
    void denyWinsOnTheSamePrefixOnlyWhereThePortsOverlap() {
        IpPolicy p = policy(Action.ALLOW, Loopback.RULES, rule("10.0.0.0/8", Action.ALLOW, "1-1000"), rule("10.0.0.0/8", Action.DENY, "22"));
        assertThat(p.decide(ip("10.0.0.1"), 22)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("10.0.0.1"), 80)).isEqualTo(Action.ALLOW);
        assertThat(p.match(ip("10.0.0.1"), 2000)).isEmpty();
        assertThat(p.rules()).hasSize(2);
        assertThat(p.entries()).hasSize(1); // one trie entry per prefix
    }

    @Test
    void aPortRuleOnLoopbackKeepsTheImplicitAllowForOtherPorts() {
        IpPolicy p = policy(Action.DENY, Loopback.ALLOW, rule("127.0.0.2/32", Action.DENY, "5000"));
        assertThat(p.decide(ip("127.0.0.2"), 5000)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("127.0.0.2"), 5001)).isEqualTo(Action.ALLOW);
        assertThat(p.match(ip("127.0.0.2"), 5001).orElseThrow().origin()).isEqualTo(IpRule.LOOPBACK);
    }

    @Test
    void loopbackRulesAddsNoImplicitAllow() {
        IpPolicy p = policy(Action.DENY, Loopback.RULES);
        assertThat(p.rules()).isEmpty();
        assertThat(p.decide(ip("127.0.0.1"), 80)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("::1"), 80)).isEqualTo(Action.DENY);
        assertThat(policy(Action.DENY, Loopback.ALLOW).decide(ip("127.0.0.1"), 80)).isEqualTo(Action.ALLOW);
    }

    @Test
    void portsAreNormalised() {
        IpRule r = rule("10.0.0.0/8", Action.DENY, "30-40", "22", "23", "35-50");
        assertThat(r.ports()).containsExactly(new PortRange(22, 23), new PortRange(30, 50));
        assertThat(rule("10.0.0.0/8", Action.DENY, "1-65535").allPorts()).isTrue();
    }

    @Test
    void moreThanEightRangesInOneEntryIsRejected() {
        List<IpRule> rules = new ArrayList<>();
        rules.add(rule("10.0.0.0/8", Action.DENY, "10", "20", "30", "40", "50"));
        rules.add(rule("10.1.0.0/16", Action.ALLOW, "11", "21", "31", "41"));
        // the /16 alone has 4 ranges, but merged with the /8's five it needs 9
        assertThatThrownBy(() -> IpPolicy.of(rules, Action.ALLOW, Loopback.RULES))
                .isInstanceOf(IpPolicy.TooManyPortRanges.class)
                .hasMessageContaining("prefix 10.1.0.0/16 needs 9 port ranges")
                .hasMessageContaining("at most 8")
                .satisfies(e -> assertThat(((IpPolicy.TooManyPortRanges) e).prefix()).isEqualTo(Cidr.parse("10.1.0.0/16")));
        assertThat(IpPolicy.fitsPortRanges(rules)).isFalse();
        rules.set(1, rule("10.1.0.0/16", Action.ALLOW, "11", "21", "31"));
        assertThat(IpPolicy.of(rules, Action.ALLOW, Loopback.RULES).entries()).hasSize(2);
    }

    @Test
    void ofManyPrefixesNeedingTooManyRangesTheFirstInRuleOrderIsNamed() {
        // compiled in parallel: the error must still name the first, whichever thread met which first
        List<IpRule> rules = new ArrayList<>();
        rules.add(rule("10.0.0.0/8", Action.DENY, "10", "20", "30", "40", "50"));
        rules.add(rule("10.1.0.0/16", Action.ALLOW, "11", "21", "31", "41"));
        for (int i = 0; i < 20_000; i++) rules.add(rule("10.2." + (i >> 8) + "." + (i & 255) + "/32", Action.DENY));
        rules.add(rule("10.3.0.0/16", Action.ALLOW, "12", "22", "32", "42"));
        for (int attempt = 0; attempt < 5; attempt++) {
            assertThatThrownBy(() -> IpPolicy.of(rules, Action.ALLOW, Loopback.RULES))
                    .isInstanceOfSatisfying(IpPolicy.TooManyPortRanges.class,
                            e -> assertThat(e.prefix()).isEqualTo(Cidr.parse("10.1.0.0/16")));
        }
    }

    @Test
    void rulesThatFitTheRangesNeverFailToCompile() {
        assertThat(IpPolicy.fitsPortRanges(List.of(rule("10.0.0.0/8", Action.DENY), rule("10.1.0.0/16", Action.ALLOW, "853")))).isTrue();
        Random rnd = new Random(7);
        int fitting = 0, refused = 0;
        for (int round = 0; round < 2000; round++) {
            List<IpRule> rules = new ArrayList<>();
            for (int i = 0; i < 1 + rnd.nextInt(4); i++) {
                int len = new int[] {0, 8, 16}[rnd.nextInt(3)];
                List<PortRange> ports = new ArrayList<>();
                for (int k = 0; k < rnd.nextInt(8); k++) {
                    int lo = 1 + 4 * rnd.nextInt(15);
                    ports.add(new PortRange(lo, lo + rnd.nextInt(3)));
                }
                rules.add(new IpRule(new Cidr(Cidr.mask(new byte[] {10, 1, 0, 0}, len), len), rnd.nextBoolean() ? Action.ALLOW : Action.DENY,
                        "r" + i, ports));
            }
            boolean compiles;
            try {
                IpPolicy.of(rules, Action.DENY, Loopback.RULES);
                compiles = true;
            } catch (IpPolicy.TooManyPortRanges e) {
                compiles = false;
                refused++;
            }
            if (IpPolicy.fitsPortRanges(rules)) {
                fitting++;
                assertThat(compiles).as("%s", rules).isTrue();
            }
        }
        assertThat(fitting).as("rule sets that fit").isGreaterThan(100);
        assertThat(refused).as("rule sets refused").isGreaterThan(10);
    }

    @Test
    void theCompiledEntriesAgreeWithTheReferenceEverywhere() {
        Random rnd = new Random(42);
        for (int round = 0; round < 200; round++) {
            List<IpRule> rules = new ArrayList<>();
            for (int i = 0; i < 1 + rnd.nextInt(5); i++) {
                int len = new int[] {0, 8, 16, 24, 32}[rnd.nextInt(5)];
                byte[] a = Cidr.mask(new byte[] {10, (byte) rnd.nextInt(2), (byte) rnd.nextInt(2), (byte) rnd.nextInt(2)}, len);
                List<PortRange> ports = new ArrayList<>();
                for (int k = 0; k < rnd.nextInt(3); k++) {
                    int lo = 1 + rnd.nextInt(100);
                    ports.add(new PortRange(lo, lo + rnd.nextInt(20)));
                }
                rules.add(new IpRule(new Cidr(a, len), rnd.nextBoolean() ? Action.ALLOW : Action.DENY, "r" + i, ports));
            }
            IpPolicy p;
            try {
                p = IpPolicy.of(rules, Action.DENY, rnd.nextBoolean() ? Loopback.ALLOW : Loopback.RULES);
            } catch (IpPolicy.TooManyPortRanges e) {
                continue;
            }
            for (int probe = 0; probe < 50; probe++) {
                byte[] dst = {(byte) (rnd.nextInt(4) == 0 ? 127 : 10), (byte) rnd.nextInt(2), (byte) rnd.nextInt(2), (byte) rnd.nextInt(2)};
                int port = rnd.nextInt(130);
                int expected = p.match(dst, port).map(r -> p.rules().indexOf(r)).orElse(IpPolicy.NO_RULE);
                assertThat(kernelLookup(p, dst, port)).as("%s to %s port %d", p, Cidr.format(dst), port).isEqualTo(expected);
            }
        }
    }
}
