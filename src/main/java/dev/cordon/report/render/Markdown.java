package dev.cordon.report.render;

/**
 * GitHub-flavoured Markdown for untrusted strings. A code span's fence is one backtick longer than
 * any run inside it (backslashes do not escape inside code); in a table cell a pipe is written
 * {@code \|}, which GitHub unescapes even inside code. Plain text gets every character that could
 * start markup backslash-escaped. Control characters are made visible first.
 */
public final class Markdown {
    private Markdown() {}

    /** A code span of the (already shortened) text; "(empty)" for an empty string. */
    public static String code(String visibleText, boolean inTable) {
        String s = visibleText;
        if (s.isEmpty()) return "(empty)";
        int longest = 0, run = 0;
        for (int i = 0; i < s.length(); i++) {
            run = s.charAt(i) == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        String fence = "`".repeat(longest + 1);
        boolean pad = s.charAt(0) == '`' || s.charAt(s.length() - 1) == '`'
                || (s.charAt(0) == ' ' && s.charAt(s.length() - 1) == ' ');
        String body = pad ? " " + s + " " : s;
        if (inTable) body = body.replace("|", "\\|");
        return fence + body + fence;
    }

    /** Untrusted text with markup characters escaped; safe in a paragraph, list item or table cell. */
    public static String text(String visibleText) {
        StringBuilder sb = new StringBuilder(visibleText.length() + 8);
        for (int i = 0; i < visibleText.length(); i++) {
            char c = visibleText.charAt(i);
            switch (c) {
                case '\\', '`', '*', '_', '{', '}', '[', ']', '<', '>', '(', ')', '#', '+', '!', '|', '~', '&', '$' ->
                        sb.append('\\').append(c);
                case '-', '.', '=' -> {
                    if (i == 0) sb.append('\\');
                    sb.append(c);
                }
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
