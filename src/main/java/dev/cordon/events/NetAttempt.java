package dev.cordon.events;

import dev.cordon.policy.Mode;

import java.time.Instant;

/** A network attempt with everything a report needs: when, who, what rule, which mode. */
public record NetAttempt(Instant time, NetEvent event, ProcessTable.Attribution who, String rule, Mode mode) {}
