package dev.cordon.kernel;

import dev.cordon.policy.IpPolicy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A trie entry's rule id carries its policy generation, and never collides with the special ids. */
class RuleIdsTest {
    @Test
    void theGenerationSitsAboveTheIndexAndSpecialIdsStayAsTheyAre() {
        assertThat(EgressGuard.ruleId(5, 0)).isEqualTo(5);
        assertThat(EgressGuard.ruleId(5, 1)).isEqualTo(5 | 1 << Abi.RULE_GENERATION_SHIFT);
        assertThat(EgressGuard.ruleId(IpPolicy.NO_RULE, 1)).isEqualTo(Abi.RULE_DEFAULT);
        for (int special : new int[] {Abi.RULE_DEFAULT, Abi.RULE_LEARNED, Abi.RULE_RAW_SOCKET, Abi.RULE_OUTAGE_REFUSED,
                Abi.RULE_OUTAGE_DROPPED, Abi.RULE_PACKET_SOCKET}) {
            assertThat(special >>> Abi.RULE_GENERATION_SHIFT).as("a special id reads as no generation").isGreaterThanOrEqualTo(Abi.POLICY_GENERATIONS);
        }
        assertThatThrownBy(() -> EgressGuard.ruleId(1 << Abi.RULE_GENERATION_SHIFT, 0)).hasMessageContaining("more rules");
    }
}
