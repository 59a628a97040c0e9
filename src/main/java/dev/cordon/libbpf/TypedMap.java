package dev.cordon.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/** A {@link BpfMap} seen through codecs. Safe to use from several threads (no shared buffers). */
public final class TypedMap<K, V> {
    private final BpfMap map;
    private final MapCodec<K> keys;
    private final MapCodec<V> values;

    TypedMap(BpfMap map, MapCodec<K> keys, MapCodec<V> values) {
        this.map = map;
        this.keys = keys;
        this.values = values;
    }

    public BpfMap raw() {
        return map;
    }

    public void put(K key, V value) {
        put(key, value, BpfMap.Update.ANY);
    }

    public void put(K key, V value, BpfMap.Update flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(keys.size(), 8);
            MemorySegment v = a.allocate(values.size(), 8);
            keys.write(key, k);
            values.write(value, v);
            map.update(k, v, flags);
        }
    }

    /** Puts every entry, {@code batch} per call ({@link BpfMap#updateBatch}). */
    public void putAll(List<K> keyList, List<V> valueList, int batch) {
        if (keyList.size() != valueList.size()) throw new IllegalArgumentException("keys and values differ in number");
        for (int from = 0; from < keyList.size(); from += batch) putBatch(keyList, valueList, from, Math.min(batch, keyList.size() - from));
    }

    /**
     * {@link #putAll} with its batches spread over the machine's CPUs, for hash maps: their buckets
     * lock one by one, so the kernel's inserts run side by side, and so does the encoding (100k
     * name-table entries: about half the time on two CPUs). A trie takes one lock for every insert:
     * fill it with putAll.
     */
    public void putAllConcurrently(List<K> keyList, List<V> valueList, int batch) {
        if (keyList.size() != valueList.size()) throw new IllegalArgumentException("keys and values differ in number");
        int size = keyList.size();
        IntStream.range(0, (size + batch - 1) / batch).parallel()
                .forEach(b -> putBatch(keyList, valueList, b * batch, Math.min(batch, size - b * batch)));
    }

    private void putBatch(List<K> keyList, List<V> valueList, int from, int n) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(keys.size() * n, 8);
            MemorySegment v = a.allocate(values.size() * n, 8);
            for (int i = 0; i < n; i++) {
                keys.write(keyList.get(from + i), k.asSlice(i * keys.size(), keys.size()));
                values.write(valueList.get(from + i), v.asSlice(i * values.size(), values.size()));
            }
            map.updateBatch(k, v, n);
        }
    }

    /** Deletes these keys, {@code batch} a call (BpfMap.deleteBatch); every key must be present. */
    public void removeAll(List<K> keyList, int batch) {
        for (int from = 0; from < keyList.size(); from += batch) {
            int n = Math.min(batch, keyList.size() - from);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment k = a.allocate(keys.size() * n, 8);
                for (int i = 0; i < n; i++) keys.write(keyList.get(from + i), k.asSlice(i * keys.size(), keys.size()));
                map.deleteBatch(k, n);
            }
        }
    }

    public Optional<V> get(K key) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(keys.size(), 8);
            MemorySegment v = a.allocate(values.size(), 8);
            keys.write(key, k);
            return map.lookup(k, v) ? Optional.of(values.read(v)) : Optional.empty();
        }
    }

    public boolean remove(K key) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(keys.size(), 8);
            keys.write(key, k);
            return map.delete(k);
        }
    }

    /** A snapshot of the keys (hash and LPM maps). */
    public List<K> keys() {
        List<K> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cur = a.allocate(keys.size(), 8);
            MemorySegment next = a.allocate(keys.size(), 8);
            MemorySegment prev = MemorySegment.NULL;
            while (map.nextKey(prev, next)) {
                out.add(keys.read(next));
                MemorySegment.copy(next, 0, cur, 0, keys.size());
                prev = cur;
            }
        }
        return out;
    }
}
