package dev.cordon.dns;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNAMERecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.HTTPSRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SVCBBase;
import org.xbill.DNS.SVCBRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the fuzzer's seed corpus (layout in {@link DnsFuzzCase}): real queries and answers, and the
 * shapes that break parsers: compression pointers and loops, truncation, huge counts, EDNS,
 * HTTPS/SVCB hints, CNAME/DNAME chains into blocked names, every upstream behaviour and setting.
 * Run it again after changing the layout:
 * {@code java -cp target/test-classes:target/classes:$(cat cp.txt) dev.cordon.dns.FuzzSeeds src/test/resources/dev/cordon/dns/QueryHandlerFuzzTestInputs/fuzz}
 */
final class FuzzSeeds {
    static final int ENFORCE = 0, AUDIT = 1, TCP = 2, DEFAULT_DENY = 4, REFUSED = 8;
    static final int OUTAGE_TIMEOUT = 0x10, OUTAGE_SERVFAIL = 0x20, OUTAGE_REFUSE = 0x30;
    static final int RAW = 0, SPLICE = 1, TIMEOUT = 2, TRUNCATED = 3;

    private FuzzSeeds() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (var e : seeds().entrySet()) Files.write(dir.resolve("seed-" + e.getKey()), e.getValue());
    }

    static Map<String, byte[]> seeds() throws IOException {
        Map<String, byte[]> s = new LinkedHashMap<>();
        Message okA = query("ok.test.", Type.A, 0x0101);
        s.put("allowed-a", spliced(ENFORCE, okA, a("ok.test.", "127.0.0.10")));
        s.put("allowed-a-tcp", spliced(TCP, okA, a("ok.test.", "127.0.0.10"), a("ok.test.", "127.0.0.11")));
        s.put("blocked-enforce", spliced(ENFORCE, query("api.blocked.test.", Type.A, 2), a("api.blocked.test.", "127.0.0.20")));
        s.put("blocked-audit", spliced(AUDIT, query("api.blocked.test.", Type.A, 3), a("api.blocked.test.", "127.0.0.20")));
        s.put("blocked-refused-mixed-case", spliced(REFUSED, query("API.Blocked.TEST.", Type.AAAA, 4)));
        s.put("allow-under-deny", spliced(ENFORCE, query("allowed.blocked.test.", Type.A, 5), a("allowed.blocked.test.", "127.0.0.21")));
        s.put("wildcard-deny", spliced(DEFAULT_DENY, query("x.evil.test.", Type.A, 6), a("x.evil.test.", "127.0.0.22")));
        s.put("default-deny-unlisted", spliced(DEFAULT_DENY, query("other.test.", Type.A, 7), a("other.test.", "127.0.0.23")));
        s.put("cname-into-blocked", spliced(ENFORCE, query("ok.test.", Type.A, 8),
                cname("ok.test.", "cdn.blocked.test."), a("cdn.blocked.test.", "127.0.0.24")));
        s.put("cname-into-blocked-audit", spliced(AUDIT, query("ok.test.", Type.A, 9),
                cname("ok.test.", "cdn.blocked.test."), a("cdn.blocked.test.", "127.0.0.24")));
        s.put("cname-chain-allowed", spliced(ENFORCE, query("www.ok.test.", Type.AAAA, 10),
                cname("www.ok.test.", "a.ok.test."), cname("a.ok.test.", "b.ok.test."), aaaa("b.ok.test.", "::1")));
        s.put("dname-into-blocked", spliced(ENFORCE, query("x.ok.test.", Type.A, 11),
                new DNAMERecord(n("ok.test."), DClass.IN, 60, n("blocked.test.")), cname("x.ok.test.", "x.blocked.test."),
                a("x.blocked.test.", "127.0.0.25")));
        s.put("https-target-blocked", spliced(ENFORCE, query("svc.ok.test.", Type.HTTPS, 12),
                new HTTPSRecord(n("svc.ok.test."), DClass.IN, 300, 1, n("lb.blocked.test."), List.of(
                        new SVCBBase.ParameterAlpn(List.of("h2")),
                        new SVCBBase.ParameterIpv4Hint(List.of((Inet4Address) InetAddress.ofLiteral("127.0.0.26")))))));
        s.put("svcb-hints", spliced(AUDIT, query("_dns.ok.test.", Type.SVCB, 13),
                new SVCBRecord(n("_dns.ok.test."), DClass.IN, 300, 1, Name.root, List.of(
                        new SVCBBase.ParameterIpv4Hint(List.of((Inet4Address) InetAddress.ofLiteral("127.0.0.27"))),
                        new SVCBBase.ParameterIpv6Hint(List.of((Inet6Address) InetAddress.ofLiteral("::1")))))));
        Message edns = query("big.ok.test.", Type.A, 14);
        edns.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        List<Record> many = new ArrayList<>();
        for (int i = 1; i <= 60; i++) many.add(a("big.ok.test.", "127.0.1." + i));
        s.put("edns-big-udp", spliced(ENFORCE, edns, many.toArray(Record[]::new)));
        s.put("big-no-edns-udp", spliced(ENFORCE, query("big.ok.test.", Type.A, 15), many.toArray(Record[]::new)));
        s.put("tc-then-tcp", withMode(spliced(ENFORCE, query("big.ok.test.", Type.A, 16), many.toArray(Record[]::new)), TRUNCATED));
        s.put("tc-cname-blocked", withMode(spliced(ENFORCE, query("t.ok.test.", Type.A, 17),
                cname("t.ok.test.", "t.blocked.test."), a("t.blocked.test.", "127.0.0.28")), TRUNCATED));
        s.put("upstream-timeout", frame(ENFORCE, TIMEOUT, query("ok.test.", Type.A, 18).toWire(), new byte[0]));
        s.put("upstream-timeout-audit-blocked", frame(AUDIT, TIMEOUT, query("blocked.test.", Type.A, 19).toWire(), new byte[0]));
        s.put("outage-timeout", spliced(OUTAGE_TIMEOUT, query("api.down.test.", Type.A, 20), a("api.down.test.", "127.0.0.29")));
        s.put("outage-servfail", spliced(OUTAGE_SERVFAIL, query("down.test.", Type.A, 21), a("down.test.", "127.0.0.29")));
        s.put("outage-refuse", spliced(OUTAGE_REFUSE, query("down.test.", Type.A, 22), a("down.test.", "127.0.0.29")));
        s.put("outage-cname", spliced(OUTAGE_REFUSE, query("ok.test.", Type.A, 23),
                cname("ok.test.", "x.down.test."), a("x.down.test.", "127.0.0.30")));
        // whole answers as upstream sends them (mode RAW): matching, mismatched question, garbage
        Message q24 = query("ok.test.", Type.A, 24);
        s.put("raw-answer", frame(ENFORCE, RAW, q24.toWire(), reply(q24, a("ok.test.", "127.0.0.31")).toWire()));
        s.put("raw-mismatched-question", frame(ENFORCE, RAW, q24.toWire(),
                reply(query("other.test.", Type.A, 24), a("other.test.", "127.0.0.32")).toWire()));
        s.put("raw-txt", frame(ENFORCE, RAW, query("ok.test.", Type.TXT, 25).toWire(),
                reply(query("ok.test.", Type.TXT, 25), new TXTRecord(n("ok.test."), DClass.IN, 60, "v=x")).toWire()));
        // shapes that break parsers
        byte[] loop = reply(q24, a("ok.test.", "127.0.0.33")).toWire();
        int answerName = 12 + q24.getQuestion().toWire(Section.QUESTION).length;
        loop[answerName] = (byte) 0xc0; // the answer's name is a pointer to itself
        loop[answerName + 1] = (byte) answerName;
        s.put("compression-loop", frame(ENFORCE, RAW, q24.toWire(), loop));
        byte[] qloop = query("ok.test.", Type.A, 26).toWire();
        qloop[12] = (byte) 0xc0;
        qloop[13] = 12;
        s.put("query-pointer-loop", frame(ENFORCE, RAW, qloop, new byte[0]));
        int lent = 0x40; // the kernel has no sender: an owner option may name one
        byte[] lentBlocked = OwnerOption.add(query("blocked.test.", Type.A, 30).toWire(), DnsFuzzCase.TOKEN, DnsFuzzCase.PID, 1);
        s.put("owner-option", frame(ENFORCE | lent, RAW, lentBlocked, new byte[0]));
        s.put("owner-option-allowed", frame(lent, SPLICE,
                OwnerOption.add(query("ok.test.", Type.A, 32).toWire(), DnsFuzzCase.TOKEN, DnsFuzzCase.PID, 1), new byte[0]));
        byte[] withEdns = OwnerOption.add(edns.toWire(), DnsFuzzCase.TOKEN, 77, 1);
        s.put("owner-option-unknown-pid", frame(AUDIT | lent, SPLICE, withEdns, new byte[0]));
        byte[] forged = OwnerOption.add(query("blocked.test.", Type.A, 31).toWire(), new byte[OwnerOption.TOKEN_BYTES], DnsFuzzCase.PID, 1);
        s.put("owner-option-forged", frame(ENFORCE | lent, RAW, forged, new byte[0]));
        int option = lentBlocked.length - 4 - OwnerOption.LENGTH; // a shorter option, the lengths agreeing
        byte[] shortOption = Arrays.copyOf(lentBlocked, lentBlocked.length - 3);
        Wire.putU16(shortOption, option + 2, OwnerOption.LENGTH - 3);
        Wire.putU16(shortOption, option - 2, 4 + OwnerOption.LENGTH - 3);
        s.put("owner-option-short", frame(ENFORCE | lent, RAW, shortOption, new byte[0]));
        byte[] forward = query("ok.test.", Type.A, 27).toWire();
        forward[12] = (byte) 0xc0;
        forward[13] = (byte) (forward.length - 2); // points past the question, into the type
        s.put("query-pointer-forward", frame(ENFORCE, RAW, forward, new byte[0]));
        byte[] full = query("ok.test.", Type.A, 28).toWire();
        s.put("query-truncated", frame(ENFORCE, SPLICE, Arrays.copyOf(full, full.length - 3), new byte[0]));
        s.put("query-header-only", frame(ENFORCE, SPLICE, Arrays.copyOf(full, 12), new byte[0]));
        s.put("query-short", frame(ENFORCE, SPLICE, Arrays.copyOf(full, 5), new byte[0]));
        byte[] huge = query("ok.test.", Type.A, 29).toWire();
        huge[6] = (byte) 0xff;
        huge[7] = (byte) 0xff; // ANCOUNT 65535, no records
        s.put("query-huge-ancount", frame(ENFORCE, SPLICE, huge, new byte[0]));
        byte[] two = query("ok.test.", Type.A, 30).toWire();
        two[5] = 2;
        s.put("query-qdcount-2", frame(ENFORCE, SPLICE, two, new byte[0]));
        byte[] none = query("ok.test.", Type.A, 31).toWire();
        none[5] = 0;
        s.put("query-qdcount-0", frame(ENFORCE, SPLICE, Arrays.copyOf(none, 12), new byte[0]));
        Message notify = query("ok.test.", Type.SOA, 32);
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        s.put("opcode-notify", frame(ENFORCE, SPLICE, notify.toWire(), new byte[0]));
        Message response = query("ok.test.", Type.A, 33);
        response.getHeader().setFlag(Flags.QR);
        s.put("query-is-response", frame(ENFORCE, SPLICE, response.toWire(), new byte[0]));
        byte[] hugeAnswer = spliced(ENFORCE, query("ok.test.", Type.A, 34), a("ok.test.", "127.0.0.35"));
        int up = 4 + (((hugeAnswer[2] & 0xff) << 8) | (hugeAnswer[3] & 0xff));
        hugeAnswer[up + 2] = (byte) 0xff; // AN count 65535 over one record
        hugeAnswer[up + 3] = (byte) 0xff;
        s.put("answer-huge-ancount", hugeAnswer);
        byte[] cut = spliced(ENFORCE, query("ok.test.", Type.A, 35), a("ok.test.", "127.0.0.36"));
        s.put("answer-truncated-rdata", Arrays.copyOf(cut, cut.length - 2));
        return s;
    }

    static Message query(String name, int type, int id) {
        Message q = Message.newQuery(Record.newRecord(n(name), type, DClass.IN));
        q.getHeader().setID(id);
        return q;
    }

    static Message reply(Message q, Record... answers) {
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RD);
        r.getHeader().setFlag(Flags.RA);
        r.addRecord(q.getQuestion(), Section.QUESTION);
        for (Record a : answers) r.addRecord(a, Section.ANSWER);
        return r;
    }

    /** A SPLICE input: the fake upstream rebuilds this answer around the query's own question. */
    static byte[] spliced(int settings, Message q, Record... answers) {
        byte[] wire = reply(q, answers).toWire();
        int questionEnd = 12 + q.getQuestion().toWire(Section.QUESTION).length;
        byte[] up = new byte[8 + wire.length - questionEnd];
        up[0] = (byte) (wire[2] & 0x7f);
        up[1] = wire[3];
        System.arraycopy(wire, 6, up, 2, 6);
        System.arraycopy(wire, questionEnd, up, 8, wire.length - questionEnd);
        return frame(settings, SPLICE, q.toWire(), up);
    }

    static byte[] frame(int settings, int mode, byte[] query, byte[] upstream) {
        byte[] b = new byte[4 + query.length + upstream.length];
        b[0] = (byte) settings;
        b[1] = (byte) mode;
        b[2] = (byte) (query.length >>> 8);
        b[3] = (byte) query.length;
        System.arraycopy(query, 0, b, 4, query.length);
        System.arraycopy(upstream, 0, b, 4 + query.length, upstream.length);
        return b;
    }

    static byte[] withMode(byte[] seed, int mode) {
        seed[1] = (byte) mode;
        return seed;
    }

    static Name n(String s) {
        return Name.fromConstantString(s);
    }

    static ARecord a(String name, String ip) {
        return new ARecord(n(name), DClass.IN, 60, InetAddress.ofLiteral(ip));
    }

    static AAAARecord aaaa(String name, String ip) {
        return new AAAARecord(n(name), DClass.IN, 60, InetAddress.ofLiteral(ip));
    }

    static CNAMERecord cname(String name, String target) {
        return new CNAMERecord(n(name), DClass.IN, 60, n(target));
    }
}
