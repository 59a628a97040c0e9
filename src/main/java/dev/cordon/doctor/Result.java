package dev.cordon.doctor;

/** One row of the report: a check's name and its verdict. */
public record Result(Status status, String name, String detail) {
    static Result of(String name, Verdict v) {
        return new Result(v.status(), name, v.detail());
    }
}
