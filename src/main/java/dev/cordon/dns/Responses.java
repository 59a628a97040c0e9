package dev.cordon.dns;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/** Answers the proxy makes itself: blocked names, failures, malformed queries, truncation. */
final class Responses {
    private Responses() {}

    /** A reply to a parsed query with {@code rcode} and the question echoed (NXDOMAIN, REFUSED, SERVFAIL, NOTIMP). */
    static byte[] error(Message query, int rcode) {
        Message r = new Message(query.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setOpcode(query.getHeader().getOpcode());
        if (query.getHeader().getFlag(Flags.RD)) r.getHeader().setFlag(Flags.RD);
        r.getHeader().setFlag(Flags.RA);
        if (query.getQuestion() != null) r.addRecord(query.getQuestion(), Section.QUESTION);
        OPTRecord opt = query.getOPT();
        if (opt != null) r.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        r.getHeader().setRcode(rcode);
        return r.toWire();
    }

    /**
     * FORMERR for bytes that do not parse: header only, id copied. Null when there is not even
     * a header (nothing to answer to).
     */
    static byte[] formErr(byte[] raw) {
        if (raw.length < 12) return null;
        byte[] r = new byte[12];
        r[0] = raw[0];
        r[1] = raw[1];
        r[2] = (byte) (0x80 | (raw[2] & 0x78)); // QR, opcode kept
        r[3] = (byte) Rcode.FORMERR;
        return r;
    }

    /** The header and question of the query with TC set: "ask again over TCP". */
    static byte[] truncated(Message query) {
        Message r = new Message(query.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.TC);
        if (query.getHeader().getFlag(Flags.RD)) r.getHeader().setFlag(Flags.RD);
        r.getHeader().setFlag(Flags.RA);
        if (query.getQuestion() != null) r.addRecord(query.getQuestion(), Section.QUESTION);
        return r.toWire();
    }

    /** The largest UDP answer the client accepts: 512 without EDNS, its advertised size with it. */
    static int maxUdpSize(Message query) {
        OPTRecord opt = query.getOPT();
        return opt == null ? 512 : Math.max(512, opt.getPayloadSize());
    }
}
