package dev.cordon.doctor;

/** How a check came out. Only {@link #FAIL} stops cordon from running. */
public enum Status {
    OK("ok"),
    /** cordon runs, but something is worth fixing. */
    WARN("warn"),
    /** cordon cannot run until this is fixed. */
    FAIL("FAIL"),
    /** Not checked because a check it needs failed (that one already says what to do). */
    SKIP("skip");

    /** The word printed in the first column. */
    public final String label;

    Status(String label) {
        this.label = label;
    }
}
