package dev.cordon.dns;

/**
 * Bounds-checked reads of DNS messages on the wire, without building objects. Names are read by
 * the rules dnsjava reads them by (the proxy's fallback parser, and what the tests check replies
 * with): labels of up to 63 bytes, compression pointers only to an earlier offset than their own,
 * 255 bytes at most. That makes the fast path and the fallback agree on every name.
 */
final class Wire {
    static final int HEADER = 12;
    static final int TYPE_A = 1, TYPE_NS = 2, TYPE_CNAME = 5, TYPE_SOA = 6, TYPE_PTR = 12, TYPE_MX = 15, TYPE_TXT = 16,
            TYPE_AAAA = 28, TYPE_DNAME = 39, TYPE_OPT = 41;
    private static final int MAX_NAME = 255;

    private Wire() {}

    static int u16(byte[] m, int i) {
        return ((m[i] & 0xff) << 8) | (m[i + 1] & 0xff);
    }

    static long u32(byte[] m, int i) {
        return ((long) u16(m, i) << 16) | u16(m, i + 2);
    }

    static void putU16(byte[] m, int i, int v) {
        m[i] = (byte) (v >>> 8);
        m[i + 1] = (byte) v;
    }

    static void putU32(byte[] m, int i, long v) {
        putU16(m, i, (int) (v >>> 16));
        putU16(m, i + 2, (int) v);
    }

    static int id(byte[] m) {
        return u16(m, 0);
    }

    /**
     * The offset just past the name at {@code at} as it lies in the message (after its first
     * compression pointer, or its root label), or -1 when it is no name: a label of another type, a
     * pointer not to an earlier offset, more than 255 bytes, or the message ends first.
     */
    static int nameEnd(byte[] m, int len, int at) {
        int end = -1, total = 0;
        for (int i = at; ; ) {
            if (i >= len) return -1;
            int l = m[i] & 0xff;
            if (l == 0) return total + 1 > MAX_NAME ? -1 : end < 0 ? i + 1 : end;
            if ((l & 0xc0) == 0xc0) {
                if (i + 1 >= len) return -1;
                int target = ((l & 0x3f) << 8) | (m[i + 1] & 0xff);
                if (target >= i) return -1; // forward or to itself: dnsjava's "bad compression"
                if (end < 0) end = i + 2;
                i = target;
            } else {
                if (l > 63 || i + 1 + l > len) return -1;
                total += 1 + l;
                if (total > MAX_NAME) return -1; // a loop through a pointer ends here too
                i += 1 + l;
            }
        }
    }

    /**
     * The name at {@code at} (checked with {@link #nameEnd} first) as the proxy reports names: as
     * dnsjava writes it, in lower case, with a final dot ({@code www.example.com.}, {@code .} for
     * the root; a dot, space or other unusual byte inside a label escaped as {@code \.} or {@code \032}).
     */
    static String nameText(byte[] m, int at) {
        StringBuilder b = new StringBuilder(48);
        for (int i = at; ; ) {
            int l = m[i] & 0xff;
            if (l == 0) break;
            if ((l & 0xc0) == 0xc0) {
                i = ((l & 0x3f) << 8) | (m[i + 1] & 0xff);
                continue;
            }
            for (int j = i + 1; j <= i + l; j++) appendEscaped(b, m[j] & 0xff);
            b.append('.');
            i += 1 + l;
        }
        return b.isEmpty() ? "." : b.toString();
    }

    private static void appendEscaped(StringBuilder b, int c) {
        if (c <= 0x20 || c >= 0x7f) {
            b.append('\\').append((char) ('0' + c / 100)).append((char) ('0' + c / 10 % 10)).append((char) ('0' + c % 10));
        } else if (c == '"' || c == '(' || c == ')' || c == '.' || c == ';' || c == '\\' || c == '@' || c == '$') {
            b.append('\\').append((char) c);
        } else {
            b.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c));
        }
    }

    /** Whether the name at {@code at} (checked with {@link #nameEnd}) lies whole in place, without a compression pointer. */
    static boolean uncompressed(byte[] m, int at) {
        for (int i = at; ; i += 1 + (m[i] & 0xff)) {
            if (m[i] == 0) return true;
            if ((m[i] & 0xc0) == 0xc0) return false;
        }
    }

    /** Whether the two names (each checked with {@link #nameEnd}) are the same, letters compared without case. */
    static boolean sameName(byte[] a, int at, byte[] b, int bt) {
        while (true) {
            if ((a[at] & 0xc0) == 0xc0) {
                at = ((a[at] & 0x3f) << 8) | (a[at + 1] & 0xff);
                continue;
            }
            if ((b[bt] & 0xc0) == 0xc0) {
                bt = ((b[bt] & 0x3f) << 8) | (b[bt + 1] & 0xff);
                continue;
            }
            int l = a[at] & 0xff;
            if (l != (b[bt] & 0xff)) return false;
            if (l == 0) return true;
            for (int j = 1; j <= l; j++) {
                if (lower(a[at + j]) != lower(b[bt + j])) return false;
            }
            at += 1 + l;
            bt += 1 + l;
        }
    }

    private static int lower(byte c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    /**
     * Whether {@code answer} echoes the question of {@code query} (name without case, type and class
     * exactly). An answer without a question, or with a question that does not read, is let through:
     * the judge's full check refuses it then.
     */
    static boolean sameQuestion(byte[] query, byte[] answer, int answerLength) {
        if (answerLength < HEADER || u16(answer, 4) == 0 || query.length < HEADER) return true;
        int q = nameEnd(query, query.length, HEADER), a = nameEnd(answer, answerLength, HEADER);
        if (q < 0 || a < 0) return true;
        if (q + 4 > query.length || a + 4 > answerLength) return false;
        return sameName(query, HEADER, answer, HEADER) && u16(query, q) == u16(answer, a) && u16(query, q + 2) == u16(answer, a + 2);
    }
}
