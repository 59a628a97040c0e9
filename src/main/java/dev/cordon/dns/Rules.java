package dev.cordon.dns;

import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;

/**
 * What names are judged by: the policy and mode (a guard's reload replaces both), how a blocked
 * name is answered, the names rehearsed as down, and whether answers giving a public name a
 * private address are refused (DNS rebinding).
 */
public record Rules(DomainPolicy policy, Mode mode, BlockedResponse blockedResponse, OutagePlan outage,
                    boolean blockPrivateAnswers) {
    /** The same rules with another policy and mode (a reload). */
    public Rules with(DomainPolicy names, Mode nextMode) {
        return new Rules(names, nextMode, blockedResponse, outage, blockPrivateAnswers);
    }
}
