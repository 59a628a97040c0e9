package dev.cordon.policy;

import java.util.Locale;

/**
 * Canonical form of DNS names for matching: lower case, no trailing dot. Case and a trailing
 * dot never change what a name means, so they never change a decision.
 */
public final class DomainName {
    private DomainName() {}

    /** Lower-cases and strips one trailing dot; does not validate (names from the wire may be odd). */
    public static String canonical(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** Whether {@link #canonical} would leave the case of {@code name} as it is (no upper-case letter). */
    public static boolean isLowerCase(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z' || c > 0x7f && Character.toLowerCase(c) != c) return false;
        }
        return true;
    }

    /** The fully qualified form used in logs: {@code github.com.} */
    public static String absolute(String name) {
        String c = canonical(name);
        return c.isEmpty() ? "." : c + ".";
    }

    /** Validates a name given by a user (policy), returning its canonical form. */
    public static String parse(String text) {
        String n = canonical(text == null ? "" : text.strip());
        if (n.isEmpty()) throw new PolicyException("empty domain name");
        if (n.length() > 253) throw new PolicyException("domain '" + text + "' is longer than 253 characters");
        for (String label : n.split("\\.", -1)) {
            if (label.isEmpty()) throw new PolicyException("domain '" + text + "' has an empty label");
            if (label.length() > 63) throw new PolicyException("domain '" + text + "' has a label longer than 63 characters");
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
                if (!ok) throw new PolicyException("domain '" + text + "' has an invalid character '" + printable(c) + "'");
            }
        }
        return n;
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    /** True if {@code name} is {@code suffix} or ends with "." + suffix (label boundary, never a plain suffix). */
    public static boolean isAtOrBelow(String name, String suffix) {
        return name.equals(suffix) || (name.endsWith(suffix) && name.length() > suffix.length()
                && name.charAt(name.length() - suffix.length() - 1) == '.');
    }

    public static int labels(String canonical) {
        if (canonical.isEmpty()) return 0;
        int n = 1;
        for (int i = 0; i < canonical.length(); i++) if (canonical.charAt(i) == '.') n++;
        return n;
    }
}
