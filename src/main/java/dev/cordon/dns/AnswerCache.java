package dev.cordon.dns;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * Upstream answers to allowed names, kept for their TTL so a name asked again is answered without
 * a round trip. Only the upstream exchange is saved: the judge still decides every name of the
 * chain, learns the addresses (with the remaining TTL) and reports, per query. Blocked names are
 * never stored (the judge stores only answers it allowed). TTLs in a served copy count down.
 *
 * <p>Bounded without a sweep: {@link #WAYS} places per key (a set chosen by the key's hash); a new
 * answer takes an empty or expired place, else the one expiring first. Entries are immutable and
 * replaced whole, so readers take no lock and a hit allocates only its copy.
 */
final class AnswerCache {
    static final int WAYS = 4;
    static final int MAX_BYTES = 4096;
    static final long MAX_TTL_SECONDS = 3600;

    /** What makes two queries get the same answer: the question (name in lower case, type, class) and the flags that change an answer. */
    private record Entry(String name, int type, int dclass, int flags, byte[] bytes, int[] ttlOffsets, AnswerChain chain,
                         long storedNs, long expiresNs) {
        boolean answers(Query q) {
            return type == q.type() && dclass == q.dclass() && flags == q.cacheFlags() && name.equals(q.name());
        }
    }

    /** A copy of a stored answer for one query, and its chain with the TTLs counted down as the copy's. */
    record Hit(byte[] bytes, AnswerChain chain) {}

    private final AtomicReferenceArray<Entry> entries;
    private final int setMask;
    private final LongSupplier clock;

    AnswerCache(int capacity) {
        this(capacity, System::nanoTime);
    }

    AnswerCache(int capacity, LongSupplier clock) {
        int sets = Integer.highestOneBit(Math.max(1, capacity / WAYS));
        this.entries = new AtomicReferenceArray<>(sets * WAYS);
        this.setMask = sets - 1;
        this.clock = clock;
    }

    private int set(Query q) {
        int h = q.name().hashCode() * 31 + q.type();
        return ((h ^ (h >>> 16)) & setMask) * WAYS;
    }

    /** The stored answer for {@code q} as {@code q} must get it (its id, its spelling of the name, TTLs counted down), or null. */
    Hit get(Query q) {
        int base = set(q);
        long now = clock.getAsLong();
        for (int w = 0; w < WAYS; w++) {
            Entry e = entries.get(base + w);
            if (e == null || !e.answers(q)) continue;
            if (now >= e.expiresNs()) return null;
            long elapsed = (now - e.storedNs()) / 1_000_000_000L;
            return new Hit(copyFor(e, q, elapsed), e.chain().aged(elapsed));
        }
        return null;
    }

    private static byte[] copyFor(Entry e, Query q, long elapsed) {
        byte[] out = e.bytes().clone();
        out[0] = q.raw()[0];
        out[1] = q.raw()[1];
        // The asker's spelling of the name (0x20 randomisation): the same length, the key ignored case.
        int end = q.questionEnd() - 4;
        if (end > 0 && Wire.nameEnd(out, out.length, Wire.HEADER) == end && Wire.uncompressed(out, Wire.HEADER)) {
            System.arraycopy(q.raw(), Wire.HEADER, out, Wire.HEADER, end - Wire.HEADER);
        }
        for (int off : e.ttlOffsets()) Wire.putU32(out, off, Math.max(0, Wire.u32(out, off) - elapsed));
        return out;
    }

    /** Stores an allowed answer to {@code q} if it is small, walks cleanly, and every record lives at least a second. */
    void put(Query q, byte[] answer, AnswerChain chain) {
        if (answer.length > MAX_BYTES || answer.length < Wire.HEADER || (answer[2] & 0x02) != 0) return; // TC: never
        if ((answer[3] & 0x0f) != 0 || Wire.u16(answer, 6) == 0) return; // NOERROR with an answer only
        int[] offsets = ttlOffsets(answer);
        if (offsets == null || offsets.length == 0) return;
        long minTtl = MAX_TTL_SECONDS;
        for (int off : offsets) minTtl = Math.min(minTtl, Wire.u32(answer, off));
        if (minTtl <= 0) return;
        long now = clock.getAsLong();
        Entry e = new Entry(q.name(), q.type(), q.dclass(), q.cacheFlags(), answer.clone(), offsets, chain, now,
                now + minTtl * 1_000_000_000L);
        int base = set(q), place = base;
        for (int w = 0; w < WAYS; w++) {
            Entry old = entries.get(base + w);
            if (old == null || old.answers(q) || now >= old.expiresNs()) {
                place = base + w;
                break;
            }
            if (old.expiresNs() < entries.get(place).expiresNs()) place = base + w;
        }
        entries.set(place, e);
    }

    /**
     * Offsets of every record's TTL field (the OPT pseudo-record's is flags, not a TTL: left out),
     * or null when the message does not walk cleanly to its end.
     */
    static int[] ttlOffsets(byte[] m) {
        int qd = Wire.u16(m, 4), rr = Wire.u16(m, 6) + Wire.u16(m, 8) + Wire.u16(m, 10);
        int i = Wire.HEADER;
        for (int q = 0; q < qd; q++) {
            i = Wire.nameEnd(m, m.length, i);
            if (i < 0 || i + 4 > m.length) return null;
            i += 4;
        }
        int[] out = new int[rr];
        int n = 0;
        for (int r = 0; r < rr; r++) {
            i = Wire.nameEnd(m, m.length, i);
            if (i < 0 || i + 10 > m.length) return null;
            if (Wire.u16(m, i) != Wire.TYPE_OPT) out[n++] = i + 4;
            i += 10 + Wire.u16(m, i + 8);
            if (i > m.length) return null;
        }
        return i == m.length ? java.util.Arrays.copyOf(out, n) : null;
    }

    int size() {
        int n = 0;
        for (int i = 0; i < entries.length(); i++) if (entries.get(i) != null) n++;
        return n;
    }
}
