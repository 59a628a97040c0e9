package dev.cordon.events;

import dev.cordon.policy.Mode;

import java.time.Instant;

/**
 * A network attempt with everything a report needs: when, who, what rule, which mode, and the
 * domain(s) the address was learned from (null if none).
 */
public record NetAttempt(Instant time, NetEvent event, ProcessTable.Attribution who, String rule, Mode mode, String domain,
                         OutageWait outage) {
    public NetAttempt(Instant time, NetEvent event, ProcessTable.Attribution who, String rule, Mode mode) {
        this(time, event, who, rule, mode, null, null);
    }

    public NetAttempt(Instant time, NetEvent event, ProcessTable.Attribution who, String rule, Mode mode, String domain) {
        this(time, event, who, rule, mode, domain, null);
    }

    public NetAttempt withOutage(OutageWait wait) {
        return new NetAttempt(time, event, who, rule, mode, domain, wait);
    }
}
