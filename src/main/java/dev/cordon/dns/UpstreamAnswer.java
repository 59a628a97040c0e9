package dev.cordon.dns;

import dev.cordon.policy.DomainName;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * An upstream's message read as far as the judge needs: is it an answer to the query (a response,
 * to the same name and type), is it truncated, and its {@link AnswerChain}. Answers made only of
 * the common record types (A, AAAA, CNAME, DNAME, NS, PTR, MX, TXT, SOA, a plain OPT) are read
 * straight from the bytes, checked as dnsjava checks them; anything else is read by dnsjava, as
 * every answer was before, so the proxy never passes on a message its fallback would refuse.
 */
record UpstreamAnswer(byte[] bytes, boolean truncated, AnswerChain chain) {
    /** The answer in {@code m} to {@code q}, or null when it is none: no response, another question, or it does not parse. */
    static UpstreamAnswer read(byte[] m, Query q) {
        if (m.length >= Wire.HEADER && (m[2] & 0x80) == 0) return null;
        UpstreamAnswer fast = plain(m, q);
        return fast != null ? fast : viaDnsjava(m, q);
    }

    static UpstreamAnswer viaDnsjava(byte[] m, Query q) {
        Message a;
        try {
            a = new Message(m);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        Record question = a.getQuestion();
        if (!a.getHeader().getFlag(Flags.QR) || question == null || question.getType() != q.type()
                || !DomainName.absolute(question.getName().toString()).equals(q.name())) {
            return null;
        }
        return new UpstreamAnswer(m, a.getHeader().getFlag(Flags.TC), AnswerChain.of(a));
    }

    /** Read from the bytes; null when this reader cannot tell (dnsjava decides then). */
    static UpstreamAnswer plain(byte[] m, Query q) {
        int len = m.length;
        if (len < Wire.HEADER || (m[2] & 0xf8) != 0x80 || Wire.u16(m, 4) != 1) return null; // a response, opcode QUERY, one question
        int at = Wire.nameEnd(m, len, Wire.HEADER);
        if (at < 0 || at + 4 > len) return null;
        if (Wire.u16(m, at) != q.type() || !sameName(m, q)) return null;
        at += 4;
        List<String> names = new ArrayList<>();
        List<AnswerChain.Addr> addrs = new ArrayList<>();
        int answers = Wire.u16(m, 6), records = answers + Wire.u16(m, 8) + Wire.u16(m, 10);
        for (int r = 0; r < records; r++) {
            at = record(m, at, q, r < answers ? names : null, addrs);
            if (at < 0) return null;
        }
        if (at != len) return null;
        return new UpstreamAnswer(m, (m[2] & 0x02) != 0, new AnswerChain(names, addrs));
    }

    /**
     * Checks the record at {@code at}; for one of the answer section ({@code names} not null),
     * collects its names and addresses. @return the offset after it, or -1 when this reader cannot tell
     */
    private static int record(byte[] m, int at, Query q, List<String> names, List<AnswerChain.Addr> addrs) {
        int owner = at;
        at = Wire.nameEnd(m, m.length, at);
        if (at < 0 || at + 10 > m.length) return -1;
        int type = Wire.u16(m, at), rdata = at + 10, end = rdata + Wire.u16(m, at + 8);
        if (end > m.length || !plainRdata(m, type, rdata, end)) return -1;
        if (names != null) {
            String ownerName = pointsAtQuestion(m, owner) ? q.name() : Wire.nameText(m, owner); // the usual owner
            AnswerChain.addOnce(names, ownerName);
            switch (type) {
                case Wire.TYPE_CNAME, Wire.TYPE_DNAME -> AnswerChain.addOnce(names, Wire.nameText(m, rdata));
                case Wire.TYPE_A, Wire.TYPE_AAAA -> addrs.add(new AnswerChain.Addr(address(m, rdata, end), ownerName, ttl(m, at + 4)));
                default -> { }
            }
        }
        return end;
    }

    /** Whether the answer's question (checked with Wire.nameEnd) names what {@code q} asks. */
    private static boolean sameName(byte[] m, Query q) {
        if (Wire.nameEnd(q.raw(), q.raw().length, Wire.HEADER) > 0) return Wire.sameName(m, Wire.HEADER, q.raw(), Wire.HEADER);
        return Wire.nameText(m, Wire.HEADER).equals(q.name());
    }

    /** A name that is only a pointer to the question's name (which the caller checked is the query's). */
    private static boolean pointsAtQuestion(byte[] m, int at) {
        return (m[at] & 0xff) == 0xc0 && m[at + 1] == Wire.HEADER;
    }

    /** Whether dnsjava reads this rdata without fault: the common types, each filling its rdata exactly. */
    private static boolean plainRdata(byte[] m, int type, int at, int end) {
        return switch (type) {
            case Wire.TYPE_A -> end - at == 4;
            case Wire.TYPE_AAAA -> end - at == 16;
            case Wire.TYPE_CNAME, Wire.TYPE_DNAME, Wire.TYPE_NS, Wire.TYPE_PTR -> Wire.nameEnd(m, end, at) == end;
            case Wire.TYPE_MX -> end - at > 2 && Wire.nameEnd(m, end, at + 2) == end;
            case Wire.TYPE_SOA -> {
                int admin = Wire.nameEnd(m, end, at);
                yield admin > 0 && Wire.nameEnd(m, end, admin) == end - 20;
            }
            case Wire.TYPE_TXT -> {
                int i = at;
                while (i < end) i += 1 + (m[i] & 0xff);
                yield i == end;
            }
            case Wire.TYPE_OPT -> at == end;
            default -> false;
        };
    }

    /** A TTL as dnsjava reads it: one with the top bit set counts as 0 (RFC 2181, 8). */
    private static long ttl(byte[] m, int at) {
        long t = Wire.u32(m, at);
        return t > 0x7fff_ffffL ? 0 : t;
    }

    private static InetAddress address(byte[] m, int from, int to) {
        try {
            return InetAddress.getByAddress(java.util.Arrays.copyOfRange(m, from, to));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + (to - from) + " bytes", e); // 4 or 16: checked
        }
    }
}
