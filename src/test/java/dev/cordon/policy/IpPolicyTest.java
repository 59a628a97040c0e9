package dev.cordon.policy;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IpPolicyTest {
    private static List<Cidr> cidrs(String... s) {
        return Arrays.stream(s).map(Cidr::parse).toList();
    }

    /** Address bytes of a literal; only literals, so no lookup can happen. */
    private static byte[] ip(String literal) {
        return Cidr.parse(literal).address();
    }

    private static byte[] mapped(String v4) {
        byte[] v = ip(v4);
        byte[] out = new byte[16];
        out[10] = (byte) 0xff;
        out[11] = (byte) 0xff;
        System.arraycopy(v, 0, out, 12, 4);
        return out;
    }

    private static final byte[] V6_LOOPBACK = ip("::1");

    @Test
    void mostSpecificPrefixWins() {
        IpPolicy p = IpPolicy.of(cidrs("10.1.0.0/16", "10.1.2.3"), cidrs("10.0.0.0/8", "10.1.2.0/24"), Action.ALLOW);
        assertThat(p.decide(ip("10.9.9.9"))).isEqualTo(Action.DENY);   // /8 deny
        assertThat(p.decide(ip("10.1.9.9"))).isEqualTo(Action.ALLOW);  // /16 allow beats /8 deny
        assertThat(p.decide(ip("10.1.2.4"))).isEqualTo(Action.DENY);   // /24 deny beats /16 allow
        assertThat(p.decide(ip("10.1.2.3"))).isEqualTo(Action.ALLOW);  // /32 allow beats /24 deny
        assertThat(p.match(ip("10.1.2.4")).orElseThrow().cidr()).isEqualTo(Cidr.parse("10.1.2.0/24"));
    }

    @Test
    void mostSpecificPrefixWinsRegardlessOfRuleOrder() {
        IpPolicy a = IpPolicy.of(cidrs("10.1.0.0/16"), cidrs("10.0.0.0/8"), Action.ALLOW);
        IpPolicy b = IpPolicy.of(cidrs("10.1.0.0/16"), cidrs("10.0.0.0/8"), Action.DENY);
        assertThat(a.decide(ip("10.1.0.1"))).isEqualTo(Action.ALLOW);
        assertThat(b.decide(ip("10.1.0.1"))).isEqualTo(Action.ALLOW);
        IpPolicy c = IpPolicy.of(cidrs("10.0.0.0/8"), cidrs("10.1.0.0/16"), Action.ALLOW);
        assertThat(c.decide(ip("10.1.0.1"))).isEqualTo(Action.DENY);
        assertThat(c.decide(ip("10.2.0.1"))).isEqualTo(Action.ALLOW);
    }

    @Test
    void mostSpecificPrefixWinsForV6() {
        IpPolicy p = IpPolicy.of(cidrs("2001:db8:1::/48"), cidrs("2001:db8::/32"), Action.ALLOW);
        assertThat(p.decide(ip("2001:db8:2::1"))).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("2001:db8:1::1"))).isEqualTo(Action.ALLOW);
        assertThat(p.decide(ip("2001:db9::1"))).isEqualTo(Action.ALLOW); // default
    }

    @Test
    void denyWinsATieForTheSamePrefix() {
        IpPolicy p = IpPolicy.of(cidrs("192.0.2.0/24"), cidrs("192.0.2.0/24"), Action.ALLOW);
        assertThat(p.decide(ip("192.0.2.7"))).isEqualTo(Action.DENY);
        // one rule for the prefix, not two: the kernel's trie holds one value per prefix
        assertThat(p.rules()).filteredOn(r -> r.cidr().equals(Cidr.parse("192.0.2.0/24")))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.action()).isEqualTo(Action.DENY);
                    assertThat(r.origin()).isEqualTo("--deny-cidr");
                });
    }

    @Test
    void denyWinsATieSpelledDifferently() {
        // the mapped spelling is the same prefix once normalised
        IpPolicy p = IpPolicy.of(cidrs("::ffff:192.0.2.0/120"), cidrs("192.0.2.0/24"), Action.ALLOW);
        assertThat(p.decide(ip("192.0.2.7"))).isEqualTo(Action.DENY);
    }

    @Test
    void duplicatesCollapse() {
        IpPolicy p = IpPolicy.of(cidrs("10.0.0.0/8", "10.0.0.0/8"), cidrs("11.0.0.0/8", "11.0.0.0/8"), Action.ALLOW);
        assertThat(p.rules()).extracting(IpRule::cidr).doesNotHaveDuplicates();
        assertThat(p.rules()).hasSize(4); // two user prefixes + two loopback prefixes
    }

    @Test
    void loopbackIsAllowedImplicitly() {
        IpPolicy p = IpPolicy.of(List.of(), List.of(), Action.DENY);
        assertThat(p.decide(ip("127.0.0.1"))).isEqualTo(Action.ALLOW);
        assertThat(p.decide(ip("127.255.255.254"))).isEqualTo(Action.ALLOW);
        assertThat(p.decide(V6_LOOPBACK)).isEqualTo(Action.ALLOW);
        assertThat(p.decide(ip("128.0.0.1"))).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("::2"))).isEqualTo(Action.DENY);
        assertThat(p.match(ip("127.0.0.1")).orElseThrow())
                .satisfies(r -> {
                    assertThat(r.origin()).isEqualTo(IpRule.LOOPBACK);
                    assertThat(r.label()).isEqualTo("loopback");
                    assertThat(r.cidr()).isEqualTo(Cidr.parse("127.0.0.0/8"));
                });
        assertThat(p.match(V6_LOOPBACK).orElseThrow().cidr()).isEqualTo(Cidr.parse("::1/128"));
    }

    @Test
    void catchAllDenyDoesNotOverrideLoopback() {
        IpPolicy p = IpPolicy.of(List.of(), cidrs("0.0.0.0/0", "::/0"), Action.ALLOW);
        assertThat(p.decide(ip("127.0.0.1"))).isEqualTo(Action.ALLOW);
        assertThat(p.decide(V6_LOOPBACK)).isEqualTo(Action.ALLOW);
        assertThat(p.decide(ip("8.8.8.8"))).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("2001:db8::1"))).isEqualTo(Action.DENY);
    }

    @Test
    void denyOfTheSameLoopbackPrefixOverridesIt() {
        IpPolicy p = IpPolicy.of(List.of(), cidrs("127.0.0.0/8", "::1"), Action.ALLOW);
        assertThat(p.decide(ip("127.0.0.1"))).isEqualTo(Action.DENY);
        assertThat(p.decide(V6_LOOPBACK)).isEqualTo(Action.DENY);
        assertThat(p.rules()).extracting(IpRule::origin).doesNotContain(IpRule.LOOPBACK);
    }

    @Test
    void denyOfAMoreSpecificLoopbackPrefixOverridesItThere() {
        IpPolicy p = IpPolicy.of(List.of(), cidrs("127.0.0.2/32"), Action.ALLOW);
        assertThat(p.decide(ip("127.0.0.2"))).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("127.0.0.1"))).isEqualTo(Action.ALLOW);
        assertThat(p.match(ip("127.0.0.2")).orElseThrow().label()).isEqualTo("127.0.0.2/32");
    }

    @Test
    void lessSpecificLoopbackDenyDoesNotOverrideIt() {
        IpPolicy p = IpPolicy.of(List.of(), cidrs("126.0.0.0/7", "::/127"), Action.ALLOW);
        assertThat(p.decide(ip("127.0.0.1"))).isEqualTo(Action.ALLOW);
        assertThat(p.decide(ip("126.0.0.1"))).isEqualTo(Action.DENY);
        assertThat(p.decide(V6_LOOPBACK)).isEqualTo(Action.ALLOW);
        assertThat(p.decide(ip("::"))).isEqualTo(Action.DENY);
    }

    @Test
    void userAllowOfLoopbackReplacesTheImplicitRule() {
        IpPolicy p = IpPolicy.of(cidrs("127.0.0.0/8"), List.of(), Action.DENY);
        assertThat(p.decide(ip("127.0.0.1"))).isEqualTo(Action.ALLOW);
        assertThat(p.match(ip("127.0.0.1")).orElseThrow().origin()).isEqualTo("--allow-cidr");
        assertThat(p.rules()).filteredOn(r -> r.cidr().equals(Cidr.parse("127.0.0.0/8"))).hasSize(1);
    }

    @Test
    void defaultActionAppliesWhenNothingMatches() {
        IpPolicy allow = IpPolicy.of(List.of(), cidrs("10.0.0.0/8"), Action.ALLOW);
        IpPolicy deny = IpPolicy.of(cidrs("10.0.0.0/8"), List.of(), Action.DENY);
        assertThat(allow.defaultAction()).isEqualTo(Action.ALLOW);
        assertThat(deny.defaultAction()).isEqualTo(Action.DENY);
        assertThat(allow.match(ip("192.0.2.1"))).isEmpty();
        assertThat(allow.decide(ip("192.0.2.1"))).isEqualTo(Action.ALLOW);
        assertThat(deny.decide(ip("192.0.2.1"))).isEqualTo(Action.DENY);
        assertThat(deny.decide(ip("2001:db8::1"))).isEqualTo(Action.DENY);
        assertThat(deny.decide(ip("10.0.0.1"))).isEqualTo(Action.ALLOW);
    }

    @Test
    void ruleIdsMapBackToRules() {
        IpPolicy p = IpPolicy.of(cidrs("10.1.0.0/16"), cidrs("10.0.0.0/8", "2001:db8::/32"), Action.ALLOW);
        List<IpRule> rules = p.rules();
        for (int id = 0; id < rules.size(); id++) assertThat(p.rule(id)).containsSame(rules.get(id));
        assertThat(p.rule(rules.size())).isEmpty();
        // the kernel's "no rule" id (CORDON_RULE_DEFAULT, 0xffffffff) read as a Java int
        assertThat(p.rule(0xffffffff)).isEmpty();
        // ids of user rules come first, in the order given: allows, then denies
        assertThat(p.rule(0).orElseThrow().cidr()).isEqualTo(Cidr.parse("10.1.0.0/16"));
        assertThat(p.rule(1).orElseThrow().cidr()).isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThat(p.rule(2).orElseThrow().cidr()).isEqualTo(Cidr.parse("2001:db8::/32"));
        // what matched is findable by its id
        IpRule m = p.match(ip("10.2.0.1")).orElseThrow();
        assertThat(p.rule(rules.indexOf(m))).contains(m);
    }

    @Test
    void rulesAreImmutable() {
        IpPolicy p = IpPolicy.of(List.of(), List.of(), Action.ALLOW);
        assertThatThrownBy(() -> p.rules().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void mappedV6DestinationsAreJudgedByV4Rules() {
        IpPolicy p = IpPolicy.of(cidrs("10.1.0.0/16"), cidrs("10.0.0.0/8", "::/0"), Action.ALLOW);
        assertThat(p.decide(mapped("10.2.0.1"))).isEqualTo(Action.DENY);
        assertThat(p.decide(mapped("10.1.0.1"))).isEqualTo(Action.ALLOW);
        assertThat(p.decide(mapped("192.0.2.1"))).isEqualTo(Action.ALLOW); // default, not ::/0
        assertThat(p.decide(mapped("127.0.0.1"))).isEqualTo(Action.ALLOW); // loopback
        assertThat(p.match(mapped("10.2.0.1")).orElseThrow().cidr()).isEqualTo(Cidr.parse("10.0.0.0/8"));

        IpPolicy denyAll = IpPolicy.of(List.of(), List.of(), Action.DENY);
        assertThat(denyAll.decide(mapped("192.0.2.1"))).isEqualTo(Action.DENY);
        assertThat(denyAll.decide(mapped("127.0.0.1"))).isEqualTo(Action.ALLOW);
    }
}
