package dev.cordon.dns;

/** Bounds-checked reads of a message's question straight from the wire, for matching answers to queries. */
final class WireQuestion {
    private WireQuestion() {}

    /** @return the offset just past the first question's name, or -1 if it runs out of the message or is compressed */
    static int nameEnd(byte[] m, int len) {
        int i = 12;
        while (i < len) {
            int l = m[i] & 0xff;
            if (l == 0) return i + 1;
            if (l > 63) return -1; // a pointer (or reserved bits): not a plain question name
            i += 1 + l;
        }
        return -1;
    }

    /**
     * Whether the answer echoes the query's question (name case-insensitively, type and class exactly).
     * An answer without a question, or a question this cannot read plainly, is let through: the
     * handler's full check then refuses it, as it did before.
     */
    static boolean sameQuestion(byte[] query, byte[] answer) {
        if (answer.length < 12 || ((answer[4] | answer[5]) == 0)) return true;
        int q = nameEnd(query, query.length);
        int a = nameEnd(answer, answer.length);
        if (q < 0 || a < 0) return true;
        if (q != a || q + 4 > query.length || a + 4 > answer.length) return false;
        for (int i = 12; i < q; i++) {
            if (lower(query[i]) != lower(answer[i])) return false;
        }
        for (int i = q; i < q + 4; i++) {
            if (query[i] != answer[i]) return false;
        }
        return true;
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    /**
     * A name in wire label form ({@code \3www\7example\3com\0}, final zero optional) as dotted text with a
     * final dot, or null if a label holds a dot or a byte outside printable ASCII (then only the
     * full parse may decide).
     */
    static String dotted(String wire) {
        StringBuilder b = new StringBuilder(wire.length() + 1);
        int i = 0;
        while (i < wire.length()) {
            int l = wire.charAt(i);
            if (l == 0) {
                if (i != wire.length() - 1) return null;
                break;
            }
            if (i + 1 + l > wire.length()) return null;
            for (int j = i + 1; j <= i + l; j++) {
                char c = wire.charAt(j);
                if (c <= ' ' || c >= 0x7f || c == '.' || c == '\\') return null;
                b.append(c);
            }
            b.append('.');
            i += 1 + l;
        }
        return b.isEmpty() ? "." : b.toString();
    }
}
