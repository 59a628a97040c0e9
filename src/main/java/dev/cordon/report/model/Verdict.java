package dev.cordon.report.model;

import java.util.Locale;

/**
 * What happened to one attempt, as a report sees it. Its own enum (not the event package's) so a
 * report can read files that carry verdicts this build's kernel side does not produce.
 */
public enum Verdict {
    ALLOWED, BLOCKED, AUDITED,
    /** Held or failed on purpose: the destination is in a simulated outage. */
    OUTAGE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Worth telling the user about: everything but allowed. */
    public boolean notable() {
        return this != ALLOWED;
    }

    /** @return the verdict, or null if the label is unknown */
    public static Verdict parse(String label) {
        if (label == null) return null;
        for (Verdict v : values()) if (v.label().equals(label)) return v;
        return null;
    }
}
