package dev.cordon.report.render;

import dev.cordon.report.model.Verdict;

import java.util.List;

/** The verdict marks shared by the Markdown and HTML reports. */
final class Badges {
    /** The order reports list verdicts in: what stopped the run first. */
    static final List<Verdict> BY_IMPORTANCE = List.of(Verdict.BLOCKED, Verdict.OUTAGE, Verdict.AUDITED, Verdict.ALLOWED);

    private Badges() {}

    static String emoji(Verdict v) {
        return switch (v) {
            case BLOCKED -> "⛔";
            case OUTAGE -> "⏳";
            case AUDITED -> "⚠️";
            case ALLOWED -> "✅";
        };
    }
}
