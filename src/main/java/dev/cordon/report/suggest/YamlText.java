package dev.cordon.report.suggest;

import dev.cordon.events.Escape;

import java.util.regex.Pattern;

/** Scalars and comments for the suggested policy: quoted when plain YAML would misread them, comments kept on one line. */
final class YamlText {
    /** A host name or an IPv4 prefix; anything else (a wildcard, an IPv6 colon) is quoted. */
    private static final Pattern PLAIN = Pattern.compile("[a-z0-9][a-z0-9._-]*(/[0-9]{1,3})?");

    private YamlText() {}

    /** A plain scalar when it is a simple name or prefix, else double-quoted (JSON escapes are valid YAML). */
    static String scalar(String s) {
        return PLAIN.matcher(s).matches() ? s : Escape.json(s);
    }

    /** Comment text: no line breaks or control characters can end the comment early. */
    static String comment(String s) {
        return Escape.visible(s);
    }
}
