package dev.cordon.libbpf;

/** enum bpf_map_type values we meet (uapi/linux/bpf.h). */
public enum MapType {
    UNSPEC(0), HASH(1), ARRAY(2), PROG_ARRAY(3), PERF_EVENT_ARRAY(4), PERCPU_HASH(5), PERCPU_ARRAY(6),
    STACK_TRACE(7), CGROUP_ARRAY(8), LRU_HASH(9), LRU_PERCPU_HASH(10), LPM_TRIE(11), SOCKHASH(18), SK_STORAGE(24), RINGBUF(27), OTHER(-1);

    public final int id;

    MapType(int id) {
        this.id = id;
    }

    public static MapType of(int id) {
        for (MapType t : values()) if (t.id == id) return t;
        return OTHER;
    }

    public boolean isPerCpu() {
        return this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_PERCPU_HASH;
    }
}
