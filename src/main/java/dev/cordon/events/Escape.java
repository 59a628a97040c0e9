package dev.cordon.events;

/**
 * Makes untrusted strings (command lines, comm, later domain names) safe for a terminal or a
 * log: no control characters, no escape sequences, no bidi overrides, no line breaks.
 */
public final class Escape {
    private Escape() {}

    /** A logfmt value: bare if it is plain, otherwise double-quoted with escapes. */
    public static String logfmt(String value) {
        if (value.isEmpty()) return "\"\"";
        boolean plain = true;
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
        }
        if (plain) return value;
        StringBuilder sb = new StringBuilder(value.length() + 8).append('"');
        appendEscaped(sb, value, false);
        return sb.append('"').toString();
    }

    /** A JSON string literal, quotes included. */
    public static String json(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 8).append('"');
        appendEscaped(sb, value, true);
        return sb.append('"').toString();
    }

    /**
     * The string with every control, format and line-break character written as an escape
     * ({@code \x1b}, {@code \u202e}, {@code \n}) and backslashes doubled, but no quoting: for
     * text shown inside a table, a Markdown code span or an HTML page.
     */
    public static String visible(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); ) {
            int c = value.codePointAt(i);
            int n = Character.charCount(c);
            if (c == '"') sb.append('"');
            else appendEscaped(sb, value.substring(i, i + n), false);
            i += n;
        }
        return sb.toString();
    }

    /**
     * The string with only its control, format and line-break characters written as escapes
     * ({@code \x1b}, {@code \u202e}); backslashes and quotes stay as they are. For values a format
     * quotes itself (metric labels), where a real name such as systemd's {@code deploy\x2dweb.service}
     * must read as it is.
     */
    public static String controls(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (unsafe(value.charAt(i))) return controlsSlow(value);
        }
        return value;
    }

    private static String controlsSlow(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); ) {
            int c = value.codePointAt(i);
            int n = Character.charCount(c);
            if (c == '"' || c == '\\') sb.append((char) c);
            else appendEscaped(sb, value.substring(i, i + n), false);
            i += n;
        }
        return sb.toString();
    }

    private static void appendEscaped(StringBuilder sb, String s, boolean json) {
        // by code point: format characters also live outside the BMP (U+E0001 and the tag
        // characters, invisible), and a lone surrogate would not survive encoding as UTF-8
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int n = Character.charCount(c);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (unsafe(c)) {
                        for (int k = i; k < i + n; k++) {
                            char u = s.charAt(k);
                            if (json || u > 0xff) sb.append(String.format("\\u%04x", (int) u));
                            else sb.append(String.format("\\x%02x", (int) u));
                        }
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
            i += n;
        }
    }

    private static boolean unsafe(int c) {
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true; // C0, DEL, C1 (CSI is 0x9b)
        int type = Character.getType(c);
        return type == Character.FORMAT           // bidi overrides, zero-width joiners, tag characters
                || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.SURROGATE    // only a lone one gets here
                || type == Character.UNASSIGNED;
    }
}
