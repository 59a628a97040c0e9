package dev.cordon.report.render;

import dev.cordon.report.model.Verdict;

/** The verdict marks shared by the Markdown and HTML reports. */
final class Badges {
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
