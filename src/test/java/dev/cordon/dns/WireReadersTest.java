package dev.cordon.dns;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNAMERecord;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy reads ordinary queries and answers straight from their bytes, and everything else
 * through dnsjava. The two must never disagree: whatever the plain readers accept, dnsjava reads
 * too, into the same question, flags and chain. Checked on real messages of every type the plain
 * readers know, with odd names, and on thousands of random corruptions of them.
 */
class WireReadersTest {
    private static final String[] LABELS = {"a", "www", "Example", "COM", "x-y", "_dns", "a.b", "sp ace", "\u00ff", "@", "$t", "(", "\\"};

    private static Name name(Random r) {
        int n = 1 + r.nextInt(4);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String l = LABELS[r.nextInt(LABELS.length)];
            for (char c : l.toCharArray()) b.append(c < 0x21 || c > 0x7e || "\"().;\\@$".indexOf(c) >= 0 ? "\\" + String.format("%03d", (int) c) : c);
            b.append('.');
        }
        return Name.fromConstantString(b.toString());
    }

    private static Message query(Random r) {
        Message q = Message.newQuery(Record.newRecord(name(r), r.nextBoolean() ? Type.A : Type.AAAA, DClass.IN));
        q.getHeader().setID(r.nextInt(65536));
        if (r.nextBoolean()) q.getHeader().unsetFlag(Flags.RD);
        if (r.nextInt(4) == 0) q.getHeader().setFlag(Flags.CD);
        switch (r.nextInt(4)) {
            case 1 -> q.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
            case 2 -> q.addRecord(new OPTRecord(4096, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
            case 3 -> q.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new CookieOption(new byte[8]))), Section.ADDITIONAL);
            default -> { }
        }
        return q;
    }

    private static Message answer(Message q, Random r) throws Exception {
        Message a = new Message(q.getHeader().getID());
        a.getHeader().setFlag(Flags.QR);
        a.addRecord(q.getQuestion(), Section.QUESTION);
        Name owner = q.getQuestion().getName();
        for (int i = r.nextInt(5); i >= 0; i--) {
            Name next = name(r);
            Record rec = switch (r.nextInt(9)) {
                case 0 -> new CNAMERecord(owner, DClass.IN, 60, next);
                case 1 -> new DNAMERecord(owner, DClass.IN, 60, next);
                case 2 -> new AAAARecord(owner, DClass.IN, 60, InetAddress.ofLiteral("2001:db8::" + i));
                case 3 -> new NSRecord(owner, DClass.IN, 60, next);
                case 4 -> new PTRRecord(owner, DClass.IN, 60, next);
                case 5 -> new MXRecord(owner, DClass.IN, 60, 10, next);
                case 6 -> new TXTRecord(owner, DClass.IN, 60, List.of("hello", "", "x".repeat(r.nextInt(255))));
                case 7 -> new SOARecord(owner, DClass.IN, 60, next, name(r), 1, 2, 3, 4, 5);
                default -> new ARecord(owner, DClass.IN, r.nextInt(100_000), InetAddress.ofLiteral("192.0.2." + i));
            };
            a.addRecord(rec, r.nextInt(5) == 0 ? Section.AUTHORITY : Section.ANSWER);
            if (rec instanceof CNAMERecord) owner = next;
        }
        if (r.nextBoolean()) a.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        return a;
    }

    private static byte[] corrupt(byte[] m, Random r) {
        byte[] c = m.clone();
        for (int i = r.nextInt(4); i > 0 && c.length > 0; i--) c[r.nextInt(c.length)] = (byte) r.nextInt(256);
        if (r.nextInt(10) == 0 && c.length > 1) c = java.util.Arrays.copyOf(c, r.nextInt(c.length));
        return c;
    }

    /** What dnsjava makes of a query, as the proxy keeps it. */
    private static void assertSameQuery(byte[] raw) {
        Query plain = Query.plain(raw);
        if (plain == null) return;
        Parsed viaDnsjava = Query.viaDnsjava(raw);
        assertThat(viaDnsjava).as("dnsjava reads what the plain reader read").isInstanceOf(Query.class);
        Query d = (Query) viaDnsjava;
        assertThat(plain.name()).isEqualTo(d.name());
        assertThat(plain.type()).isEqualTo(d.type());
        assertThat(plain.dclass()).isEqualTo(d.dclass());
        assertThat(plain.id()).isEqualTo(d.id());
        assertThat(plain.edns()).isEqualTo(d.edns());
        assertThat(plain.udpSize()).isEqualTo(d.udpSize());
        assertThat(plain.cacheFlags()).as(java.util.HexFormat.of().formatHex(raw) + " " + why(raw)).isEqualTo(d.cacheFlags());
    }

    private static void assertSameAnswer(byte[] bytes, Query q) {
        UpstreamAnswer plain = UpstreamAnswer.plain(bytes, q);
        if (plain == null) return;
        UpstreamAnswer d = UpstreamAnswer.viaDnsjava(bytes, q);
        assertThat(d).as("dnsjava reads what the plain reader read: %s %s", java.util.HexFormat.of().formatHex(bytes), why(bytes))
                .isNotNull();
        assertThat(plain.truncated()).isEqualTo(d.truncated());
        assertThat(plain.chain()).isEqualTo(d.chain());
    }

    private static String why(byte[] bytes) {
        try {
            return new Message(bytes).toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    void realQueriesAndAnswersReadTheSameBothWays() throws Exception {
        Random r = new Random(7);
        int plainQueries = 0, plainAnswers = 0;
        for (int i = 0; i < 2_000; i++) {
            Message m = query(r);
            byte[] raw = m.toWire();
            assertSameQuery(raw);
            Query q = (Query) Query.parse(raw, new DnsCounters());
            if (Query.plain(raw) != null) plainQueries++;
            byte[] a = answer(m, r).toWire();
            assertSameAnswer(a, q);
            if (UpstreamAnswer.plain(a, q) != null) plainAnswers++;
        }
        assertThat(plainQueries).as("the plain reader reads the ordinary queries").isEqualTo(2_000);
        assertThat(plainAnswers).as("and the ordinary answers").isEqualTo(2_000);
    }

    @Test
    void corruptedOnesNeverReadDifferently() throws Exception {
        Random r = new Random(Long.getLong("wire.seed", 11));
        for (int i = 0; i < Integer.getInteger("wire.rounds", 20_000); i++) {
            Message m = query(r);
            byte[] raw = m.toWire();
            Query q = (Query) Query.parse(raw, new DnsCounters());
            assertSameQuery(corrupt(raw, r));
            assertSameAnswer(corrupt(answer(m, r).toWire(), r), q);
        }
    }

    @Test
    void namesAreWrittenAsDnsjavaWritesThemInLowerCase() throws Exception {
        Random r = new Random(3);
        for (int i = 0; i < 1_000; i++) {
            Name n = name(r);
            byte[] wire = new byte[Wire.HEADER + n.length()];
            System.arraycopy(n.toWire(), 0, wire, Wire.HEADER, n.length());
            assertThat(Wire.nameEnd(wire, wire.length, Wire.HEADER)).isEqualTo(wire.length);
            assertThat(Wire.nameText(wire, Wire.HEADER)).isEqualTo(n.toString().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
