package dev.cordon.kernel;

import dev.cordon.libbpf.MapCodec;
import dev.cordon.policy.Cidr;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Map key/value codecs for the structs in {@link Abi}. */
final class Codecs {
    private Codecs() {}

    record RuleValue(int action, int ruleId) {}

    record Config(int mode, int defaultAction) {}

    static final MapCodec<Integer> U32 = new MapCodec<>() {
        public long size() { return 4; }
        public void write(Integer v, MemorySegment t) { t.set(JAVA_INT, 0, v); }
        public Integer read(MemorySegment s) { return s.get(JAVA_INT, 0); }
    };

    static final MapCodec<Config> CONFIG = new MapCodec<>() {
        private final long mode = Abi.offset(Abi.CONFIG, "mode");
        private final long def = Abi.offset(Abi.CONFIG, "default_action");
        public long size() { return Abi.CONFIG.byteSize(); }
        public void write(Config v, MemorySegment t) {
            t.set(JAVA_INT, mode, v.mode());
            t.set(JAVA_INT, def, v.defaultAction());
        }
        public Config read(MemorySegment s) { return new Config(s.get(JAVA_INT, mode), s.get(JAVA_INT, def)); }
    };

    static final MapCodec<RuleValue> RULE = new MapCodec<>() {
        private final long action = Abi.offset(Abi.RULE, "action");
        private final long id = Abi.offset(Abi.RULE, "rule_id");
        public long size() { return Abi.RULE.byteSize(); }
        public void write(RuleValue v, MemorySegment t) {
            t.set(JAVA_INT, action, v.action());
            t.set(JAVA_INT, id, v.ruleId());
        }
        public RuleValue read(MemorySegment s) { return new RuleValue(s.get(JAVA_INT, action), s.get(JAVA_INT, id)); }
    };

    static final MapCodec<Cidr> LPM_V4 = lpm(Abi.LPM_V4, 4);
    static final MapCodec<Cidr> LPM_V6 = lpm(Abi.LPM_V6, 16);

    private static MapCodec<Cidr> lpm(java.lang.foreign.StructLayout layout, int addrLen) {
        long prefix = Abi.offset(layout, "prefixlen");
        long addr = Abi.offset(layout, "addr");
        return new MapCodec<>() {
            public long size() { return layout.byteSize(); }
            public void write(Cidr c, MemorySegment t) {
                byte[] a = c.address();
                if (a.length != addrLen) throw new IllegalArgumentException(c + " does not fit a " + addrLen + "-byte key");
                t.set(JAVA_INT, prefix, c.prefixLength());
                MemorySegment.copy(a, 0, t, JAVA_BYTE, addr, addrLen);
            }
            public Cidr read(MemorySegment s) {
                byte[] a = Arrays.copyOf(s.asSlice(addr, addrLen).toArray(JAVA_BYTE), addrLen);
                return new Cidr(a, s.get(JAVA_INT, prefix));
            }
        };
    }
}
