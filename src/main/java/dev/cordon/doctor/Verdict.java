package dev.cordon.doctor;

import java.util.Objects;

/** What one check found: a status and one line for the user (for warn and FAIL: what to do). */
public record Verdict(Status status, String detail) {
    public Verdict {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
    }

    public static Verdict ok(String detail) {
        return new Verdict(Status.OK, detail);
    }

    public static Verdict warn(String detail) {
        return new Verdict(Status.WARN, detail);
    }

    public static Verdict fail(String detail) {
        return new Verdict(Status.FAIL, detail);
    }
}
