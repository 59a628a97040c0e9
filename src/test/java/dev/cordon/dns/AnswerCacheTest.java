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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class AnswerCacheTest {
    static final long S = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000 * S);
    private final AnswerCache cache = new AnswerCache(16, now::get);

    private static byte[] query(String name, int id) throws Exception {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
        q.getHeader().setID(id);
        return q.toWire();
    }

    private static byte[] answer(byte[] query, long ttl) throws Exception {
        Message q = new Message(query);
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

    private static QueryHandler.Chain chain(long ttl) {
        return new QueryHandler.Chain(new LinkedHashSet<>(List.of("www.example.com.", "cdn.example.net.")),
                List.of(new QueryHandler.Addr(InetAddress.ofLiteral("192.0.2.7"), "cdn.example.net.", ttl)));
    }

    @Test
    void servesACopyWithTheAskersIdAndSpellingAndTtlsCountedDown() throws Exception {
        byte[] q1 = query("www.example.com.", 1);
        cache.put(AnswerCache.keyOf(q1), answer(q1, 60), chain(60));
        byte[] q2 = query("WwW.Example.COM.", 0x4242);
        assertThat(AnswerCache.keyOf(q2)).isEqualTo(AnswerCache.keyOf(q1));
        assertThat(cache.has(AnswerCache.keyOf(q2))).isTrue();

        now.addAndGet(10 * S);
        AnswerCache.Hit hit = cache.get(AnswerCache.keyOf(q2), q2);
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
        byte[] q = query("www.example.com.", 1);
        cache.put(AnswerCache.keyOf(q), answer(q, 5), chain(5));
        now.addAndGet(4 * S);
        assertThat(cache.get(AnswerCache.keyOf(q), q)).isNotNull();
        now.addAndGet(S);
        assertThat(cache.has(AnswerCache.keyOf(q))).isFalse();
        assertThat(cache.get(AnswerCache.keyOf(q), q)).isNull();
    }

    @Test
    void neverStoresZeroTtlTruncatedOrFailedAnswers() throws Exception {
        byte[] q = query("www.example.com.", 1);
        cache.put(AnswerCache.keyOf(q), answer(q, 0), chain(0));
        byte[] tc = answer(q, 60);
        tc[2] |= 0x02;
        cache.put(AnswerCache.keyOf(q), tc, chain(60));
        Message nx = new Message(answer(q, 60));
        nx.getHeader().setRcode(Rcode.NXDOMAIN);
        cache.put(AnswerCache.keyOf(q), nx.toWire(), chain(60));
        byte[] cut = java.util.Arrays.copyOf(answer(q, 60), 40);
        cache.put(AnswerCache.keyOf(q), cut, chain(60));
        assertThat(cache.size()).isZero();
    }

    @Test
    void flagsThatChangeAnAnswerAreInTheKey() throws Exception {
        byte[] plain = query("www.example.com.", 1);
        Message m = new Message(plain);
        m.getHeader().setFlag(Flags.CD);
        assertThat(AnswerCache.keyOf(m.toWire())).isNotEqualTo(AnswerCache.keyOf(plain));
        Message dnssec = new Message(plain);
        dnssec.addRecord(new OPTRecord(1232, 0, 0, org.xbill.DNS.ExtendedFlags.DO), Section.ADDITIONAL);
        Message edns = new Message(plain);
        edns.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        assertThat(AnswerCache.keyOf(dnssec.toWire())).isNotEqualTo(AnswerCache.keyOf(edns.toWire()))
                .isNotEqualTo(AnswerCache.keyOf(plain));
        assertThat(AnswerCache.keyOf(new byte[5])).isNull();
    }

    @Test
    void boundedWhenFull() throws Exception {
        for (int i = 0; i < 40; i++) {
            byte[] q = query("n" + i + ".example.com.", i);
            cache.put(AnswerCache.keyOf(q), answer(q, 60), chain(60));
            assertThat(cache.size()).isLessThanOrEqualTo(16);
        }
    }
}
