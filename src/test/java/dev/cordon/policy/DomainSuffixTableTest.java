package dev.cordon.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The longest-suffix table the kernel judges first-bytes names with gives what DomainPolicy gives
 * (and OutagePlan, for names rehearsed as down), on the shared table of names and on random policies.
 */
class DomainSuffixTableTest {
    @ParameterizedTest
    @EnumSource(Action.class)
    void theSharedTableOfNamesIsDecidedAsDomainPolicyDecidesIt(Action defaultAction) {
        DomainPolicy policy = NameTable.policy(defaultAction);
        OutagePlan outage = NameTable.outage();
        DomainSuffixTable table = new DomainSuffixTable(policy, outage);
        for (String name : NameTable.NAMES) {
            DomainSuffixTable.Answer a = table.lookup(name);
            assertThat(a.decision()).as(name).isEqualTo(policy.decide(name));
            assertThat(a.outage()).as("outage of " + name).isEqualTo(outage.match(name).map(outage.domains()::indexOf).orElse(-1));
        }
    }

    @Test
    void theTableItselfSaysWhatThePolicySays() {
        DomainPolicy policy = NameTable.policy(Action.ALLOW);
        DomainSuffixTable table = new DomainSuffixTable(policy, NameTable.outage());
        // spot values, so a table and a policy that agree on something wrong cannot pass
        assertThat(table.lookup("github.com").decision().action()).isEqualTo(Action.DENY);
        assertThat(table.lookup("a.api.github.com").decision().action()).isEqualTo(Action.ALLOW);
        assertThat(table.lookup("evilgithub.com").decision().rule()).isEmpty();
        assertThat(table.lookup("githubusercontent.com").decision().rule()).as("*.x is for subdomains only").isEmpty();
        assertThat(table.lookup("raw.githubusercontent.com").decision().action()).isEqualTo(Action.ALLOW);
        assertThat(table.lookup("evil.test").decision().action()).isEqualTo(Action.ALLOW);
        assertThat(table.lookup("x.evil.test").decision().action()).isEqualTo(Action.DENY);
        assertThat(table.lookup("shared.test").decision().action()).as("allowed and denied: denied").isEqualTo(Action.DENY);
        assertThat(table.lookup("Api.Github.Com.").decision().action()).isEqualTo(Action.ALLOW);
        assertThat(table.lookup("a.down.test").outage()).isEqualTo(0);
        assertThat(table.lookup("deep.down2.test").outage()).isEqualTo(-1);
        assertThat(table.lookup("x.deep.down2.test").outage()).isEqualTo(1);
        // one entry per pattern suffix; ids are indexes into the policy's rules
        assertThat(table.entries()).extracting(DomainSuffixTable.Entry::suffix).doesNotHaveDuplicates()
                .contains("github.com", "githubusercontent.com", "down.test", "deep.down2.test");
        DomainRule deny = table.lookup("github.com").decision().rule().orElseThrow();
        assertThat(policy.rules().get(table.ruleId(deny))).isSameAs(deny);
    }

    @Test
    void randomPoliciesAndNamesAgreeWithDomainPolicy() {
        SplittableRandom random = new SplittableRandom(20260513);
        String[] labels = {"a", "b", "c", "ab", "com", "x-y", "_s"};
        for (int round = 0; round < 300; round++) {
            List<DomainRule> rules = new ArrayList<>();
            List<DomainPattern> down = new ArrayList<>();
            int n = 1 + random.nextInt(12);
            for (int i = 0; i < n; i++) {
                DomainPattern p = DomainPattern.parse((random.nextInt(3) == 0 ? "*." : "") + name(random, labels, 1 + random.nextInt(3)));
                if (random.nextInt(6) == 0) down.add(p);
                else rules.add(new DomainRule(p, random.nextBoolean() ? Action.ALLOW : Action.DENY, "test"));
            }
            DomainPolicy policy = DomainPolicy.of(rules, random.nextBoolean() ? Action.ALLOW : Action.DENY);
            OutagePlan outage = new OutagePlan(down, OutageStyle.TIMEOUT, OutagePlan.DEFAULT_WAIT);
            DomainSuffixTable table = new DomainSuffixTable(policy, outage);
            for (int k = 0; k < 60; k++) {
                String name = name(random, labels, 1 + random.nextInt(5));
                DomainSuffixTable.Answer a = table.lookup(name);
                assertThat(a.decision()).as(name + " under " + rules).isEqualTo(policy.decide(name));
                Optional<DomainPattern> o = outage.match(name);
                assertThat(a.outage()).as("outage of " + name + " under " + down).isEqualTo(o.map(down::indexOf).orElse(-1));
            }
        }
    }

    private static String name(SplittableRandom random, String[] labels, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) sb.append('.');
            sb.append(labels[random.nextInt(labels.length)]);
        }
        return sb.toString();
    }
}
