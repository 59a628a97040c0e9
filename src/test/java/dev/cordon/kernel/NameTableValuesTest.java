package dev.cordon.kernel;

import dev.cordon.policy.Action;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.DomainSuffixTable;
import dev.cordon.policy.OutagePlan;
import dev.cordon.policy.OutageStyle;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

/** What the kernel's name table holds: keys as bpf/first_bytes.bpf.h builds them, values as DomainSuffixTable says. */
class NameTableValuesTest {
    @Test
    void aKeyIsTheSuffixReversedThenADotThenZeros() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(Codecs.NAME_KEY.size());
            k.fill((byte) 0x55);
            Codecs.NAME_KEY.write("github.com", k);
            assertThat(k.get(JAVA_INT, 0)).as("len: the suffix and its dot").isEqualTo(11);
            byte[] name = k.asSlice(4, Abi.NAME_LEN).toArray(JAVA_BYTE);
            assertThat(new String(name, 0, 11, StandardCharsets.US_ASCII)).isEqualTo("moc.buhtig.");
            for (int i = 11; i < Abi.NAME_LEN; i++) assertThat(name[i]).as("byte %d", i).isZero();
            assertThat(Codecs.NAME_KEY.read(k)).isEqualTo("github.com");
        }
    }

    @Test
    void valuesCarryBothDecisionsWithRuleAndOutageIdsInTheirGeneration() {
        DomainPolicy policy = DomainPolicy.of(List.of(DomainPattern.parse("*.github.com")), List.of(DomainPattern.parse("github.com")),
                Action.ALLOW);
        OutagePlan outage = new OutagePlan(List.of(DomainPattern.parse("github.com")), OutageStyle.TIMEOUT, Duration.ofSeconds(1));
        DomainSuffixTable table = new DomainSuffixTable(policy, outage);
        DomainSuffixTable.Entry github = table.entries().stream().filter(e -> e.suffix().equals("github.com")).findFirst().orElseThrow();
        Codecs.NameRuleValue v = EgressGuard.nameRuleValue(table, github, 1);
        int gen = 1 << Abi.RULE_GENERATION_SHIFT;
        assertThat(v.len()).isEqualTo("github.com".length() + 1);
        assertThat(v.action()).as("github.com itself: denied").isEqualTo(Abi.ACTION_DENY);
        assertThat(v.ruleId()).isEqualTo(1 | gen); // the deny is the policy's second rule
        assertThat(v.belowAction()).as("below it: *.github.com allows").isEqualTo(Abi.ACTION_ALLOW);
        assertThat(v.belowRuleId()).isEqualTo(gen);
        assertThat(v.outageId()).isEqualTo(gen).isEqualTo(v.belowOutageId());

        DomainPolicy none = DomainPolicy.of(List.of(), List.of(DomainPattern.parse("x.test")), Action.DENY);
        DomainSuffixTable plain = new DomainSuffixTable(none, OutagePlan.NONE);
        Codecs.NameRuleValue x = EgressGuard.nameRuleValue(plain, plain.entries().getFirst(), 0);
        assertThat(x.outageId()).as("no outage: the default id").isEqualTo(Abi.RULE_DEFAULT);
        assertThat(x.belowAction()).isEqualTo(Abi.ACTION_DENY);
    }

    @Test
    void aSuffixNoRuleDecidesLeavesTheDefaultToTheKernel() {
        DomainPolicy policy = DomainPolicy.of(List.of(DomainPattern.parse("*.example.com")), List.of(), Action.DENY);
        DomainSuffixTable table = new DomainSuffixTable(policy, OutagePlan.NONE);
        Codecs.NameRuleValue v = EgressGuard.nameRuleValue(table, table.entries().getFirst(), 0);
        assertThat(v.action()).as("example.com itself matches no rule").isEqualTo(Abi.ACTION_NONE);
        assertThat(v.ruleId()).isEqualTo(Abi.RULE_DEFAULT);
        assertThat(v.belowAction()).isEqualTo(Abi.ACTION_ALLOW);
    }
}
