package dev.cordon.events;

import dev.cordon.policy.Mode;

import java.time.Instant;

/**
 * A network attempt with everything a report needs: when, who, what rule, which mode, and the
 * domain(s) the address was learned from (null if none).
 *
 * @param reason why the rule exists when that is not the user's own rule ({@code EncryptedDNS}), or null
 */
public record NetAttempt(Instant time, NetEvent event, ProcessTable.Attribution who, String rule, Mode mode, String domain,
                         OutageWait outage, String reason) {
    public NetAttempt(Instant time, NetEvent event, ProcessTable.Attribution who, String rule, Mode mode) {
        this(time, event, who, rule, mode, null, null, null);
    }

    public NetAttempt(Instant time, NetEvent event, ProcessTable.Attribution who, String rule, Mode mode, String domain) {
        this(time, event, who, rule, mode, domain, null, null);
    }

    public NetAttempt(Instant time, NetEvent event, ProcessTable.Attribution who, String rule, Mode mode, String domain,
                      OutageWait outage) {
        this(time, event, who, rule, mode, domain, outage, null);
    }

    public NetAttempt withOutage(OutageWait wait) {
        return new NetAttempt(time, event, who, rule, mode, domain, wait, reason);
    }

    public NetAttempt withReason(String why) {
        return new NetAttempt(time, event, who, rule, mode, domain, outage, why);
    }
}
