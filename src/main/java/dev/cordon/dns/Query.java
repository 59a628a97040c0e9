package dev.cordon.dns;

import dev.cordon.policy.DomainName;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.IOException;

/**
 * One query, read once from the wire: the parse step. Ordinary queries (one question, at most an
 * OPT record with plain options) are read straight from the bytes; anything else goes through
 * dnsjava, so an odd query is judged exactly as before (and refused where dnsjava refuses it).
 *
 * @param raw         the query as it came, forwarded upstream as it is (only the id is changed)
 * @param name        the question's name as the proxy reports it: lower case, absolute ({@code github.com.})
 * @param questionEnd where the question ends when it lies plainly in {@code raw} (no compression), else -1
 * @param udpSize     the largest UDP answer the client takes: 512 without EDNS, its size with
 * @param cacheFlags  what besides the question changes an answer: RD 1, CD 2, EDNS 4, DO 8
 * @param lent        who an inner guard's proxy says asked ({@link OwnerOption}, taken out of {@code raw}), or null
 */
record Query(byte[] raw, int id, String name, int type, int dclass, int questionEnd, boolean edns, int udpSize,
             int cacheFlags, OwnerOption.Claim lent) implements Parsed {
    private static final int OPT_COOKIE = 10, OPT_CLIENT_SUBNET = 8, OPT_TCP_KEEPALIVE = 11, OPT_EXTENDED_ERROR = 15;

    static Parsed parse(byte[] raw, DnsCounters counters) {
        counters.queries.incrementAndGet();
        OwnerOption.Stripped stripped = OwnerOption.strip(raw);
        if (stripped != null) raw = stripped.raw(); // never forwarded further, believed or not
        Query q = plain(raw);
        Parsed p = q != null ? q : viaDnsjava(raw);
        if (stripped != null && stripped.claim() != null && p instanceof Query lentQuery) return lentQuery.lentBy(stripped.claim());
        if (p instanceof Parsed.Refused r && (r.reply() == null || (r.reply()[3] & 0x0f) == Rcode.FORMERR)) {
            counters.malformed.incrementAndGet();
        }
        return p;
    }

    private Query lentBy(OwnerOption.Claim claim) {
        return new Query(raw, id, name, type, dclass, questionEnd, edns, udpSize, cacheFlags, claim);
    }

    String typeName() {
        return Type.string(type);
    }

    /** A query read straight from its bytes, or null when it needs dnsjava (anything but the ordinary case). */
    static Query plain(byte[] m) {
        int len = m.length;
        if (len < Wire.HEADER || (m[2] & 0xf8) != 0) return null; // QR clear, opcode QUERY
        if (Wire.u16(m, 4) != 1 || Wire.u16(m, 6) != 0 || Wire.u16(m, 8) != 0 || Wire.u16(m, 10) > 1) return null;
        int end = Wire.nameEnd(m, len, Wire.HEADER);
        if (end < 0 || end + 4 > len) return null;
        int flags = ((m[2] & 0x01) != 0 ? 1 : 0) | ((m[3] & 0x10) != 0 ? 2 : 0);
        int udpSize = 512, at = end + 4;
        boolean edns = Wire.u16(m, 10) == 1;
        if (edns) {
            if (at + 11 > len || m[at] != 0 || Wire.u16(m, at + 1) != Wire.TYPE_OPT) return null;
            int rdlen = Wire.u16(m, at + 9);
            if (at + 11 + rdlen != len || !plainOptions(m, at + 11, len)) return null;
            udpSize = Math.max(512, Wire.u16(m, at + 3));
            // DO is the top bit of the TTL field's flags; dnsjava reads a TTL with its top bit set as 0.
            flags |= 4 | ((m[at + 5] & 0x80) == 0 && (m[at + 7] & 0x80) != 0 ? 8 : 0);
        } else if (at != len) {
            return null;
        }
        return new Query(m, Wire.id(m), Wire.nameText(m, Wire.HEADER), Wire.u16(m, end), Wire.u16(m, end + 2),
                Wire.uncompressed(m, Wire.HEADER) ? end + 4 : -1, edns, udpSize, flags, null);
    }

    /** EDNS options that dnsjava reads without a check that could fail, and cookies of a valid length. */
    private static boolean plainOptions(byte[] m, int i, int end) {
        while (i < end) {
            if (i + 4 > end) return false;
            int code = Wire.u16(m, i), olen = Wire.u16(m, i + 2);
            if (i + 4 + olen > end) return false;
            if (code == OPT_CLIENT_SUBNET || code == OPT_TCP_KEEPALIVE || code == OPT_EXTENDED_ERROR) return false;
            if (code == OPT_COOKIE && olen != 8 && (olen < 16 || olen > 40)) return false;
            i += 4 + olen;
        }
        return true;
    }

    /** The general case, as the proxy always read queries: whatever dnsjava reads, refused as it refuses. */
    static Parsed viaDnsjava(byte[] raw) {
        Message m;
        try {
            m = new Message(raw);
        } catch (IOException | RuntimeException e) {
            return new Parsed.Refused(Replies.formErr(raw));
        }
        if (m.getHeader().getFlag(Flags.QR)) return new Parsed.Refused(null); // a response sent to us: ignore
        if (m.getHeader().getOpcode() != Opcode.QUERY) return new Parsed.Refused(Replies.error(m, Rcode.NOTIMP));
        Record question = m.getQuestion();
        if (question == null || m.getHeader().getCount(Section.QUESTION) != 1) return new Parsed.Refused(Replies.error(m, Rcode.FORMERR));
        OPTRecord opt = m.getOPT();
        int flags = (m.getHeader().getFlag(Flags.RD) ? 1 : 0) | (m.getHeader().getFlag(Flags.CD) ? 2 : 0)
                | (opt == null ? 0 : 4 | ((opt.getFlags() & 0x8000) != 0 ? 8 : 0));
        return new Query(raw, m.getHeader().getID(), DomainName.absolute(question.getName().toString()), question.getType(),
                question.getDClass(), -1, opt != null, opt == null ? 512 : Math.max(512, opt.getPayloadSize()), flags, null);
    }
}
