package dev.cordon.dns;

/** Bounds-checked walks over a DNS message's records on the wire, without building objects. */
final class WireRecords {
    private static final int TYPE_OPT = 41;

    private WireRecords() {}

    /**
     * Offsets of every record's TTL field (the OPT pseudo-record's is flags, not a TTL: left out),
     * or null when the message does not walk cleanly to its end.
     */
    static int[] ttlOffsets(byte[] m) {
        if (m.length < 12) return null;
        int qd = u16(m, 4);
        int rr = u16(m, 6) + u16(m, 8) + u16(m, 10);
        int i = 12;
        for (int q = 0; q < qd; q++) {
            i = skipName(m, i);
            if (i < 0 || i + 4 > m.length) return null;
            i += 4;
        }
        int[] out = new int[rr];
        int n = 0;
        for (int r = 0; r < rr; r++) {
            i = skipName(m, i);
            if (i < 0 || i + 10 > m.length) return null;
            int type = u16(m, i);
            int rdlen = u16(m, i + 8);
            if (type != TYPE_OPT) out[n++] = i + 4;
            i += 10 + rdlen;
            if (i > m.length) return null;
        }
        return i == m.length ? java.util.Arrays.copyOf(out, n) : null;
    }

    /** @return the offset after the name at {@code i} (a pointer ends it), or -1 when it runs out */
    static int skipName(byte[] m, int i) {
        for (int labels = 0; i < m.length && labels < 128; labels++) {
            int l = m[i] & 0xff;
            if (l == 0) return i + 1;
            if ((l & 0xc0) == 0xc0) return i + 2 <= m.length ? i + 2 : -1;
            if (l > 63) return -1;
            i += 1 + l;
        }
        return -1;
    }

    static int u16(byte[] m, int i) {
        return ((m[i] & 0xff) << 8) | (m[i + 1] & 0xff);
    }

    static long u32(byte[] m, int i) {
        return ((long) u16(m, i) << 16) | u16(m, i + 2);
    }

    static void putU32(byte[] m, int i, long v) {
        m[i] = (byte) (v >>> 24);
        m[i + 1] = (byte) (v >>> 16);
        m[i + 2] = (byte) (v >>> 8);
        m[i + 3] = (byte) v;
    }
}
