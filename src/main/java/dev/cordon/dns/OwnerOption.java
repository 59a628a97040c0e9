package dev.cordon.dns;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The EDNS0 option by which a nested guard's proxy tells the outer guard's proxy which process a
 * query it forwards came from: the outer guard's kernel sees only the inner proxy's socket. Its
 * code lies in the range RFC 6891 keeps for local and experimental use. It carries the outer
 * guard's chain token (random, written only to its root-only session record), so no one without
 * that record can make one the outer proxy believes; the outer proxy believes it only for a query
 * its own kernel did not attribute, and only names a pid its own process table knows (its subtree).
 * It is removed before the query goes on upstream.
 *
 * <p>Only the shape a proxy forwards is read or written: one question, nothing else but at most an
 * OPT record at the end. A query of another shape goes on without the option (its owner unnamed).
 * Payload: version (1), flags (1; {@code 1}: the OPT record was added for the option), token (16),
 * pid (4), cgroup id (8).
 */
final class OwnerOption {
    static final int CODE = 65_323;
    static final int TOKEN_BYTES = 16;
    static final int LENGTH = 2 + TOKEN_BYTES + 4 + 8;
    private static final int VERSION = 1, ADDED_OPT = 1, OPT_FIXED = 11;
    private static final SecureRandom RANDOM = new SecureRandom();

    private OwnerOption() {}

    /** Who the sending proxy attributed a query to, and the token it showed. */
    record Claim(byte[] token, int pid, long cgroupId) {
        /** Whether the token is {@code expected} (compared in constant time). */
        boolean shows(byte[] expected) {
            return expected != null && MessageDigest.isEqual(token, expected);
        }
    }

    /** A query without the option, and what the option claimed (null when it was malformed). */
    record Stripped(byte[] raw, Claim claim) {}

    static byte[] newToken() {
        byte[] t = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(t);
        return t;
    }

    /** A token as the session record keeps it (hex), or null for a text that is none. */
    static byte[] parseToken(String hex) {
        if (hex == null || hex.length() != 2 * TOKEN_BYTES) return null;
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code m} with the option added (an OPT record too, when it has none), or {@code m} itself when its shape is another. */
    static byte[] add(byte[] m, byte[] token, int pid, long cgroupId) {
        int at = questionEnd(m);
        if (at < 0 || token.length != TOKEN_BYTES) return m;
        boolean hasOpt = Wire.u16(m, 10) == 1;
        if (hasOpt ? !optAt(m, at) : at != m.length) return m;
        byte[] out = Arrays.copyOf(m, m.length + 4 + LENGTH + (hasOpt ? 0 : OPT_FIXED));
        int o = m.length;
        if (!hasOpt) {
            out[o] = 0; // root owner name, class 512, TTL 0, no options yet
            Wire.putU16(out, o + 1, Wire.TYPE_OPT);
            Wire.putU16(out, o + 3, 512);
            Wire.putU16(out, 10, 1);
            o += OPT_FIXED;
        }
        Wire.putU16(out, at + 9, Wire.u16(out, at + 9) + 4 + LENGTH);
        Wire.putU16(out, o, CODE);
        Wire.putU16(out, o + 2, LENGTH);
        out[o + 4] = VERSION;
        out[o + 5] = (byte) (hasOpt ? 0 : ADDED_OPT);
        System.arraycopy(token, 0, out, o + 6, TOKEN_BYTES);
        Wire.putU32(out, o + 6 + TOKEN_BYTES, pid & 0xffffffffL);
        Wire.putU32(out, o + 10 + TOKEN_BYTES, cgroupId >>> 32);
        Wire.putU32(out, o + 14 + TOKEN_BYTES, cgroupId & 0xffffffffL);
        return out;
    }

    /** {@code m} without its first option of this code, or null when it has none (or another shape). Never throws. */
    static Stripped strip(byte[] m) {
        if (m.length < Wire.HEADER || Wire.u16(m, 10) != 1) return null; // the ordinary query without EDNS: one check
        int at = questionEnd(m);
        if (at < 0 || !optAt(m, at)) return null;
        int i = at + OPT_FIXED, olen = -1;
        while (i + 4 <= m.length) {
            int code = Wire.u16(m, i);
            olen = Wire.u16(m, i + 2);
            if (i + 4 + olen > m.length) return null;
            if (code == CODE) break;
            i += 4 + olen;
            olen = -1;
        }
        if (olen < 0) return null;
        Claim claim = olen == LENGTH && m[i + 4] == VERSION ? claim(m, i + 6) : null;
        if (claim != null && (m[i + 5] & ADDED_OPT) != 0 && Wire.u16(m, at + 9) == 4 + olen) {
            byte[] out = Arrays.copyOf(m, at); // the OPT record was there only for the option
            Wire.putU16(out, 10, 0);
            return new Stripped(out, claim);
        }
        byte[] out = new byte[m.length - 4 - olen];
        System.arraycopy(m, 0, out, 0, i);
        System.arraycopy(m, i + 4 + olen, out, i, m.length - i - 4 - olen);
        Wire.putU16(out, at + 9, Wire.u16(m, at + 9) - 4 - olen);
        return new Stripped(out, claim);
    }

    private static Claim claim(byte[] m, int i) {
        byte[] token = Arrays.copyOfRange(m, i, i + TOKEN_BYTES);
        int pid = (int) Wire.u32(m, i + TOKEN_BYTES);
        long cgroupId = (Wire.u32(m, i + TOKEN_BYTES + 4) << 32) | Wire.u32(m, i + TOKEN_BYTES + 8);
        return new Claim(token, pid, cgroupId);
    }

    /** Where the question (with type and class) ends when {@code m} holds one question and at most an OPT record; else -1. */
    private static int questionEnd(byte[] m) {
        if (m.length < Wire.HEADER || Wire.u16(m, 4) != 1 || Wire.u16(m, 6) != 0 || Wire.u16(m, 8) != 0 || Wire.u16(m, 10) > 1) {
            return -1;
        }
        int end = Wire.nameEnd(m, m.length, Wire.HEADER);
        return end < 0 || end + 4 > m.length ? -1 : end + 4;
    }

    /** Whether an OPT record at {@code at} fills the rest of {@code m}. */
    private static boolean optAt(byte[] m, int at) {
        return at + OPT_FIXED <= m.length && m[at] == 0 && Wire.u16(m, at + 1) == Wire.TYPE_OPT
                && at + OPT_FIXED + Wire.u16(m, at + 9) == m.length;
    }
}
