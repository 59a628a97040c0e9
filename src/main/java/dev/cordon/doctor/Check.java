package dev.cordon.doctor;

import java.util.List;
import java.util.Objects;

/**
 * One thing to check. {@code needs} names earlier checks that must not have failed: a probe that
 * needs root would only report a misleading "not supported" without it, so it is skipped instead.
 */
public record Check(String name, List<String> needs, Body body) {
    /** The check itself. Anything it throws becomes a FAIL row with the exception's message. */
    @FunctionalInterface
    public interface Body {
        Verdict run() throws Exception;
    }

    public Check {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(body, "body");
        needs = List.copyOf(needs);
    }

    public static Check of(String name, Body body) {
        return new Check(name, List.of(), body);
    }

    /** The same check, run only if the named earlier checks did not fail. */
    public Check needing(String... checks) {
        return new Check(name, List.of(checks), body);
    }
}
