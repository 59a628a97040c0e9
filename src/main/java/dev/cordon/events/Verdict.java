package dev.cordon.events;

/** What happened to one attempt. */
public enum Verdict {
    /** Allowed by policy. */
    ALLOWED,
    /** Denied and stopped (enforce mode). */
    BLOCKED,
    /** Denied by policy but let through and reported (audit mode). */
    AUDITED,
    /** Hit a simulated outage (--simulate-outage): refused, or left waiting. Not a policy violation. */
    OUTAGE;

    public boolean violation() {
        return this == BLOCKED || this == AUDITED;
    }
}
