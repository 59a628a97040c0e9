package dev.cordon.dns;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class AnswerCacheTest {
    static final long S = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000 * S);
    private final AnswerCache cache = new AnswerCache(16, now::get);

    private static Query query(String name, int id) throws Exception {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
        q.getHeader().setID(id);
        return query(q);
    }

    private static Query query(Message m) {
        return (Query) Query.parse(m.toWire(), new DnsCounters());
    }

    private static byte[] answer(Query query, long ttl) throws Exception {
        Message q = new Message(query.raw());
        Message a = new Message(q.getHeader().getID());
        a.getHeader().setFlag(Flags.QR);
        a.addRecord(q.getQuestion(), Section.QUESTION);
        Name n = q.getQuestion().getName();
        Name target = Name.fromString("cdn.example.net.");
        a.addRecord(new CNAMERecord(n, DClass.IN, ttl * 2, target), Section.ANSWER);
        a.addRecord(new ARecord(target, DClass.IN, ttl, InetAddress.ofLiteral("192.0.2.7")), Section.ANSWER);
        a.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        return a.toWire();
    }

    private static AnswerChain chain(long ttl) {
        return new AnswerChain(List.of("www.example.com.", "cdn.example.net."),
                List.of(new AnswerChain.Addr(InetAddress.ofLiteral("192.0.2.7"), "cdn.example.net.", ttl)));
    }

    @Test
    void servesACopyWithTheAskersIdAndSpellingAndTtlsCountedDown() throws Exception {
        Query q1 = query("www.example.com.", 1);
        cache.put(q1, answer(q1, 60), chain(60));
        Query q2 = query("WwW.Example.COM.", 0x4242);

        now.addAndGet(10 * S);
        AnswerCache.Hit hit = cache.get(q2);
        Message m = new Message(hit.bytes());
        assertThat(m.getHeader().getID()).isEqualTo(0x4242);
        assertThat(m.getQuestion().getName().toString()).isEqualTo("WwW.Example.COM.");
        List<Record> records = m.getSection(Section.ANSWER);
        assertThat(records.get(0).getTTL()).isEqualTo(110);
        assertThat(records.get(1).getTTL()).isEqualTo(50);
        assertThat(m.getOPT().getPayloadSize()).as("OPT left alone").isEqualTo(1232);
        assertThat(hit.chain().addresses().getFirst().ttl()).isEqualTo(50);
    }

    @Test
    void expiresWithTheShortestTtl() throws Exception {
        Query q = query("www.example.com.", 1);
        cache.put(q, answer(q, 5), chain(5));
        now.addAndGet(4 * S);
        assertThat(cache.get(q)).isNotNull();
        now.addAndGet(S);
        assertThat(cache.get(q)).isNull();
    }

    @Test
    void neverStoresZeroTtlTruncatedOrFailedAnswers() throws Exception {
        Query q = query("www.example.com.", 1);
        cache.put(q, answer(q, 0), chain(0));
        byte[] tc = answer(q, 60);
        tc[2] |= 0x02;
        cache.put(q, tc, chain(60));
        Message nx = new Message(answer(q, 60));
        nx.getHeader().setRcode(Rcode.NXDOMAIN);
        cache.put(q, nx.toWire(), chain(60));
        byte[] cut = java.util.Arrays.copyOf(answer(q, 60), 40);
        cache.put(q, cut, chain(60));
        assertThat(cache.size()).isZero();
    }

    @Test
    void flagsThatChangeAnAnswerAreInTheKey() throws Exception {
        Query plain = query("www.example.com.", 1);
        cache.put(plain, answer(plain, 60), chain(60));
        Message m = new Message(plain.raw());
        m.getHeader().setFlag(Flags.CD);
        Message dnssec = new Message(plain.raw());
        dnssec.addRecord(new OPTRecord(1232, 0, 0, org.xbill.DNS.ExtendedFlags.DO), Section.ADDITIONAL);
        Message edns = new Message(plain.raw());
        edns.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        for (Message other : List.of(m, dnssec, edns)) assertThat(cache.get(query(other))).as(other.toString()).isNull();
        assertThat(cache.get(plain)).isNotNull();
    }

    @Test
    void boundedWhenFullAndTheLatestAnswerIsKept() throws Exception {
        for (int i = 0; i < 40; i++) {
            Query q = query("n" + i + ".example.com.", i);
            cache.put(q, answer(q, 60 + i), chain(60));
            assertThat(cache.size()).isLessThanOrEqualTo(16);
            assertThat(cache.get(q)).as("just stored").isNotNull();
        }
    }

    @Test
    void aNewAnswerTakesTheExpiredPlaceFirst() throws Exception {
        AnswerCache one = new AnswerCache(AnswerCache.WAYS, now::get); // one set: every key competes for the same places
        Query shortLived = query("short.example.com.", 1);
        one.put(shortLived, answer(shortLived, 1), chain(1));
        for (int i = 0; i < AnswerCache.WAYS - 1; i++) {
            Query q = query("long" + i + ".example.com.", i);
            one.put(q, answer(q, 600), chain(600));
        }
        now.addAndGet(2 * S);
        Query fresh = query("fresh.example.com.", 9);
        one.put(fresh, answer(fresh, 600), chain(600));
        for (int i = 0; i < AnswerCache.WAYS - 1; i++) assertThat(one.get(query("long" + i + ".example.com.", i))).isNotNull();
        assertThat(one.get(fresh)).isNotNull();
    }
}
