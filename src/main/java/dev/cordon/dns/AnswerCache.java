package dev.cordon.dns;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Upstream answers to allowed names, kept for their TTL so a name asked again is answered without
 * a round trip. Only the upstream exchange is saved: the handler still decides every name of the
 * chain, learns the addresses (with the remaining TTL) and reports, per query. Blocked names are
 * never stored (the handler stores only answers it allowed). TTLs in a served copy count down.
 * Bounded: when full, the whole cache is dropped and refills (simple, and never unbounded).
 */
final class AnswerCache {
    /**
     * What makes two queries get the same answer: the question (name in lower case, type, class),
     * and the flags that change an answer (RD, CD, EDNS present, DO).
     */
    record Key(String name, int type, int dclass, int flags) {}

    /** The key of a query read straight from its bytes (cheap enough for the listener thread), or null. */
    static Key keyOf(byte[] q) {
        if (q.length < 12 || WireRecords.u16(q, 4) != 1 || (q[2] & 0x80) != 0) return null;
        int end = WireQuestion.nameEnd(q, q.length);
        if (end < 0 || end + 4 > q.length) return null;
        byte[] name = new byte[end - 12];
        for (int i = 12; i < end; i++) name[i - 12] = (byte) (q[i] >= 'A' && q[i] <= 'Z' ? q[i] + 32 : q[i]);
        int flags = ((q[2] & 0x01) != 0 ? 1 : 0) | ((q[3] & 0x10) != 0 ? 2 : 0);
        int i = end + 4;
        int rr = WireRecords.u16(q, 6) + WireRecords.u16(q, 8) + WireRecords.u16(q, 10);
        for (int r = 0; r < rr; r++) { // find the OPT record: EDNS and its DO bit change the answer
            i = WireRecords.skipName(q, i);
            if (i < 0 || i + 10 > q.length) return null;
            if (WireRecords.u16(q, i) == 41) flags |= 4 | ((q[i + 6] & 0x80) != 0 ? 8 : 0);
            i += 10 + WireRecords.u16(q, i + 8);
        }
        return new Key(new String(name, java.nio.charset.StandardCharsets.ISO_8859_1), WireRecords.u16(q, end),
                WireRecords.u16(q, end + 2), flags);
    }

    /** Whether a live answer is stored for this query: the proxy then answers it on the listener thread. */
    boolean has(Key key) {
        Entry e = entries.get(key);
        return e != null && clock.getAsLong() < e.expiresNs();
    }

    record Hit(byte[] bytes, QueryHandler.Chain chain) {}

    private record Entry(byte[] bytes, int[] ttlOffsets, QueryHandler.Chain chain, long storedNs, long expiresNs) {}

    static final int MAX_BYTES = 4096;
    static final long MAX_TTL_SECONDS = 3600;
    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final int capacity;
    private final LongSupplier clock;

    AnswerCache(int capacity) {
        this(capacity, System::nanoTime);
    }

    AnswerCache(int capacity, LongSupplier clock) {
        this.capacity = capacity;
        this.clock = clock;
    }

    /** A copy of the stored answer for {@code query} (its id and question spelling), TTLs counted down; or null. */
    Hit get(Key key, byte[] query) {
        Entry e = entries.get(key);
        if (e == null) return null;
        long now = clock.getAsLong();
        if (now >= e.expiresNs()) {
            entries.remove(key, e);
            return null;
        }
        long elapsed = (now - e.storedNs()) / 1_000_000_000L;
        byte[] out = e.bytes().clone();
        out[0] = query[0];
        out[1] = query[1];
        // The asker's spelling of the name (0x20 randomisation): same length, the key ignored case.
        int qEnd = WireQuestion.nameEnd(query, query.length);
        if (qEnd > 0 && qEnd == WireQuestion.nameEnd(out, out.length)) System.arraycopy(query, 12, out, 12, qEnd - 12);
        for (int off : e.ttlOffsets()) {
            WireRecords.putU32(out, off, Math.max(0, WireRecords.u32(out, off) - elapsed));
        }
        if (elapsed == 0) return new Hit(out, e.chain());
        List<QueryHandler.Addr> addrs = new ArrayList<>(e.chain().addresses().size());
        for (QueryHandler.Addr a : e.chain().addresses()) {
            addrs.add(new QueryHandler.Addr(a.ip(), a.owner(), Math.max(0, a.ttl() - elapsed)));
        }
        return new Hit(out, new QueryHandler.Chain(e.chain().names(), addrs));
    }

    /** Stores an allowed answer if it is small, walks cleanly and every record lives at least a second. */
    void put(Key key, byte[] answer, QueryHandler.Chain chain) {
        if (answer.length > MAX_BYTES || answer.length < 12 || (answer[2] & 0x02) != 0) return; // TC: never
        if ((answer[3] & 0x0f) != 0 || WireRecords.u16(answer, 6) == 0) return; // NOERROR with an answer only
        int[] offsets = WireRecords.ttlOffsets(answer);
        if (offsets == null || offsets.length == 0) return;
        long minTtl = MAX_TTL_SECONDS;
        for (int off : offsets) minTtl = Math.min(minTtl, WireRecords.u32(answer, off));
        if (minTtl <= 0) return;
        if (entries.size() >= capacity) entries.clear();
        long now = clock.getAsLong();
        entries.put(key, new Entry(answer.clone(), offsets, chain, now, now + minTtl * 1_000_000_000L));
    }

    int size() {
        return entries.size();
    }
}
