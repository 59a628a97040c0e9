package dev.cordon.report.render;

import dev.cordon.events.Escape;

/** HTML text and attribute escaping for untrusted strings; control characters are made visible first. */
public final class Html {
    private Html() {}

    public static String escape(String s) {
        String v = Escape.visible(s == null ? "" : s);
        StringBuilder sb = new StringBuilder(v.length() + 16);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
