package dev.cordon.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A loaded map, used through its fd. Operations are bpf(2) calls, so they work for any map
 * type the kernel supports (hash, LRU hash, LPM trie, array, per-CPU). The map belongs to its
 * {@link BpfObject} and closes with it.
 */
public final class BpfMap {
    /** bpf_map_update_elem flags. */
    public enum Update {
        ANY(0), NO_EXIST(1), EXIST(2);
        final long flag;

        Update(long flag) {
            this.flag = flag;
        }
    }

    private static final int ENOENT = 2;
    private final String name;
    private final int fd;
    private final MapType type;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;

    private BpfMap(String name, int fd, MapType type, int keySize, int valueSize, int maxEntries) {
        this.name = name;
        this.fd = fd;
        this.type = type;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
    }

    static BpfMap of(MemorySegment m) {
        return BpfObject.call(() -> new BpfMap(
                BpfObject.cString((MemorySegment) LibBpf.MAP_NAME.handle().invokeExact(m)),
                (int) LibBpf.MAP_FD.handle().invokeExact(m),
                MapType.of((int) LibBpf.MAP_TYPE.handle().invokeExact(m)),
                (int) LibBpf.MAP_KEY_SIZE.handle().invokeExact(m),
                (int) LibBpf.MAP_VALUE_SIZE.handle().invokeExact(m),
                (int) LibBpf.MAP_MAX_ENTRIES.handle().invokeExact(m)));
    }

    public String name() { return name; }
    public int fd() { return fd; }
    public MapType type() { return type; }
    public int keySize() { return keySize; }
    public int valueSize() { return valueSize; }
    public int maxEntries() { return maxEntries; }

    /** Bytes a lookup writes: per-CPU maps return one 8-byte-aligned slot per possible CPU. */
    public long lookupValueSize() {
        return type.isPerCpu() ? ((valueSize + 7L) & ~7L) * possibleCpus() : valueSize;
    }

    /**
     * Pins the map at a bpffs path. A pin is a user reference: a sockmap or sockhash releases the
     * programs attached to it when its last user reference goes (its last fd closes), even while a
     * program that uses it lives on, so a map whose attachments must outlive this process is pinned.
     * Removing the file unpins it.
     */
    public void pin(String path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(path);
            int rc = BpfObject.call(() -> (int) LibBpf.OBJ_PIN.handle().invokeExact(fd, p));
            Errors.check(rc, "pin map " + name + " at " + path);
        }
    }

    public void update(MemorySegment key, MemorySegment value, Update flags) {
        checkSize(key, keySize, "key");
        checkSize(value, type.isPerCpu() ? lookupValueSize() : valueSize, "value");
        int rc = BpfObject.call(() -> (int) LibBpf.MAP_UPDATE_ELEM.handle().invokeExact(fd, key, value, flags.flag));
        Errors.check(rc, "update " + name);
    }

    /**
     * Adds or replaces {@code count} entries in one call (BPF_MAP_UPDATE_BATCH: hash maps from Linux
     * 5.6): {@code keys} and {@code values} hold them back to back. Far cheaper than one call each for
     * tens of thousands of entries.
     */
    public void updateBatch(MemorySegment keys, MemorySegment values, int count) {
        checkSize(keys, (long) keySize * count, "keys");
        checkSize(values, (long) valueSize * count, "values");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(java.lang.foreign.ValueLayout.JAVA_INT);
            n.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, count);
            int rc = BpfObject.call(() -> (int) LibBpf.MAP_UPDATE_BATCH.handle().invokeExact(fd, keys, values, n, MemorySegment.NULL));
            Errors.check(rc, "update " + name + " (batch of " + count + ", " + n.get(java.lang.foreign.ValueLayout.JAVA_INT, 0) + " done)");
        }
    }

    /**
     * Deletes {@code count} entries, keys back to back, in one call (BPF_MAP_DELETE_BATCH, Linux
     * 5.6). Fails (having deleted those before it) at a key that is absent.
     */
    public void deleteBatch(MemorySegment keys, int count) {
        checkSize(keys, (long) keySize * count, "keys");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(java.lang.foreign.ValueLayout.JAVA_INT);
            n.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, count);
            int rc = BpfObject.call(() -> (int) LibBpf.MAP_DELETE_BATCH.handle().invokeExact(fd, keys, n, MemorySegment.NULL));
            Errors.check(rc, "delete from " + name + " (batch of " + count + ", " + n.get(java.lang.foreign.ValueLayout.JAVA_INT, 0) + " done)");
        }
    }

    /** @return false if the key is absent */
    public boolean lookup(MemorySegment key, MemorySegment valueOut) {
        checkSize(key, keySize, "key");
        checkSize(valueOut, lookupValueSize(), "value");
        int rc = BpfObject.call(() -> (int) LibBpf.MAP_LOOKUP_ELEM.handle().invokeExact(fd, key, valueOut));
        if (rc == -ENOENT) return false;
        Errors.check(rc, "lookup " + name);
        return true;
    }

    /** @return false if the key was absent */
    public boolean delete(MemorySegment key) {
        checkSize(key, keySize, "key");
        int rc = BpfObject.call(() -> (int) LibBpf.MAP_DELETE_ELEM.handle().invokeExact(fd, key));
        if (rc == -ENOENT) return false;
        Errors.check(rc, "delete from " + name);
        return true;
    }

    /** Iteration: {@code key} NULL gives the first key. @return false at the end */
    public boolean nextKey(MemorySegment key, MemorySegment nextOut) {
        checkSize(nextOut, keySize, "key");
        int rc = BpfObject.call(() -> (int) LibBpf.MAP_GET_NEXT_KEY.handle().invokeExact(fd, key, nextOut));
        if (rc == -ENOENT) return false;
        Errors.check(rc, "iterate " + name);
        return true;
    }

    /** A typed view; the codecs must match the map's key and value sizes. */
    public <K, V> TypedMap<K, V> typed(MapCodec<K> keys, MapCodec<V> values) {
        if (keys.size() != keySize) {
            throw new IllegalArgumentException(name + ": key codec has " + keys.size() + " bytes, map has " + keySize);
        }
        if (values.size() != valueSize) {
            throw new IllegalArgumentException(name + ": value codec has " + values.size() + " bytes, map has " + valueSize);
        }
        return new TypedMap<>(this, keys, values);
    }

    /** Sums a per-CPU array/hash value of one u64 across CPUs (counters). */
    public long sumPerCpuLong(MemorySegment key) {
        if (!type.isPerCpu() || valueSize != 8) throw new IllegalStateException(name + " is not a per-CPU u64 map");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(lookupValueSize(), 8);
            if (!lookup(key, out)) return 0;
            long sum = 0;
            for (long off = 0; off < out.byteSize(); off += 8) sum += out.get(java.lang.foreign.ValueLayout.JAVA_LONG, off);
            return sum;
        }
    }

    private void checkSize(MemorySegment s, long expected, String what) {
        if (s.byteSize() < expected) {
            throw new IllegalArgumentException(name + ": " + what + " buffer has " + s.byteSize() + " bytes, needs " + expected);
        }
    }

    private static volatile int possibleCpus;

    /** Parses /sys/devices/system/cpu/possible (e.g. "0-1" or "0,2-5"), as libbpf does. */
    public static int possibleCpus() {
        int n = possibleCpus;
        if (n > 0) return n;
        try {
            n = parseCpuList(Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim());
        } catch (Exception e) {
            n = Runtime.getRuntime().availableProcessors();
        }
        possibleCpus = n;
        return n;
    }

    static int parseCpuList(String list) {
        int max = -1;
        for (String part : list.split(",")) {
            String[] range = part.trim().split("-");
            max = Math.max(max, Integer.parseInt(range[range.length - 1].trim()));
        }
        return max + 1;
    }
}
