package dev.cordon.events;

/** What happened to one attempt. */
public enum Verdict {
    /** Allowed by policy. */
    ALLOWED,
    /** Denied and stopped (enforce mode). */
    BLOCKED,
    /** Denied by policy but let through and reported (audit mode). */
    AUDITED;

    public boolean violation() {
        return this != ALLOWED;
    }
}
