package dev.cordon.policy;

/** A domain pattern with its action; {@code origin} says where it came from. */
public record DomainRule(DomainPattern pattern, Action action, String origin) {}
