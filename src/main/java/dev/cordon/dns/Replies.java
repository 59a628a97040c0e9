package dev.cordon.dns;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The respond step: the answers the proxy makes itself (blocked names, failures, malformed queries,
 * truncation), and an upstream answer fitted to the client. An ordinary query's reply is written
 * straight from its bytes; the bytes are those dnsjava would write, which is how the rest are made.
 */
final class Replies {
    /** The OPT record of an error reply to an EDNS query: payload 1232, no flags, no options. */
    private static final byte[] OPT = {0, 0, 41, 0x04, (byte) 0xd0, 0, 0, 0, 0, 0, 0};

    private Replies() {}

    /** A reply to {@code q} with {@code rcode} and the question echoed (NXDOMAIN, REFUSED, SERVFAIL). */
    static byte[] error(Query q, int rcode) {
        if (q.questionEnd() < 0) return error(reparsed(q), rcode);
        byte[] r = header(q, q.edns() ? OPT.length : 0);
        r[3] = (byte) (0x80 | rcode); // RA, the code
        if (q.edns()) {
            System.arraycopy(OPT, 0, r, q.questionEnd(), OPT.length);
            r[11] = 1;
        }
        return r;
    }

    /** The header and question of {@code q} with TC set: "ask again over TCP". */
    static byte[] truncated(Query q) {
        if (q.questionEnd() < 0) return truncated(reparsed(q));
        byte[] r = header(q, 0);
        r[2] |= 0x02;
        r[3] = (byte) 0x80;
        return r;
    }

    /** An answer too big for the client's UDP buffer becomes "ask again over TCP". */
    static byte[] fit(byte[] answer, Query q, Transport transport) {
        return transport == Transport.UDP && answer.length > q.udpSize() ? truncated(q) : answer;
    }

    /** Header (QR, the query's RD) and the question copied from the query, and {@code extra} bytes after it. */
    private static byte[] header(Query q, int extra) {
        byte[] r = new byte[q.questionEnd() + extra];
        System.arraycopy(q.raw(), 0, r, 0, q.questionEnd());
        r[2] = (byte) (0x80 | (q.raw()[2] & 0x01));
        for (int i = 6; i < 12; i++) r[i] = 0;
        return r;
    }

    private static Message reparsed(Query q) {
        try {
            return new Message(q.raw()); // it parsed once: the plain reader gave way to dnsjava or a compressed name
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A reply to a query that only dnsjava reads, with {@code rcode} and its question echoed. */
    static byte[] error(Message query, int rcode) {
        Message r = new Message(query.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setOpcode(query.getHeader().getOpcode());
        if (query.getHeader().getFlag(Flags.RD)) r.getHeader().setFlag(Flags.RD);
        r.getHeader().setFlag(Flags.RA);
        if (query.getQuestion() != null) r.addRecord(query.getQuestion(), Section.QUESTION);
        if (query.getOPT() != null) r.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        r.getHeader().setRcode(rcode);
        return r.toWire();
    }

    private static byte[] truncated(Message query) {
        Message r = new Message(query.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.TC);
        if (query.getHeader().getFlag(Flags.RD)) r.getHeader().setFlag(Flags.RD);
        r.getHeader().setFlag(Flags.RA);
        if (query.getQuestion() != null) r.addRecord(query.getQuestion(), Section.QUESTION);
        return r.toWire();
    }

    /** FORMERR for bytes that do not parse: header only, id copied; null when there is not even a header. */
    static byte[] formErr(byte[] raw) {
        return headerOnly(raw, Rcode.FORMERR);
    }

    /** SERVFAIL without reading the query: past the in-flight cap. */
    static byte[] overloaded(byte[] raw) {
        return headerOnly(raw, Rcode.SERVFAIL);
    }

    private static byte[] headerOnly(byte[] raw, int rcode) {
        if (raw.length < Wire.HEADER) return null;
        byte[] r = new byte[Wire.HEADER];
        r[0] = raw[0];
        r[1] = raw[1];
        r[2] = (byte) (0x80 | (raw[2] & 0x78)); // QR, opcode kept
        r[3] = (byte) rcode;
        return r;
    }
}
