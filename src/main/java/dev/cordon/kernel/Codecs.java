package dev.cordon.kernel;

import dev.cordon.libbpf.MapCodec;
import dev.cordon.policy.Cidr;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** Map key/value codecs for the structs in {@link Abi}. */
final class Codecs {
    private Codecs() {}

    /** One cordon_port_range: ports lo..hi (host order) and their decision. */
    record PortRangeValue(int lo, int hi, int action, int ruleId) {}

    /** A cordon_rule: the decision for ports no range holds, and up to Abi.PORT_RANGES ranges. */
    record RuleValue(int action, int ruleId, List<PortRangeValue> ranges) {
        RuleValue {
            ranges = List.copyOf(ranges);
            if (ranges.size() > Abi.PORT_RANGES) throw new IllegalArgumentException(ranges.size() + " port ranges, at most " + Abi.PORT_RANGES);
        }
    }

    record Config(int mode, int defaultAction) {}

    static final MapCodec<Long> U64 = new MapCodec<>() {
        public long size() { return 8; }
        public void write(Long v, MemorySegment t) { t.set(JAVA_LONG, 0, v); }
        public Long read(MemorySegment s) { return s.get(JAVA_LONG, 0); }
    };

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
        private final long nranges = Abi.offset(Abi.RULE, "nranges");
        private final long ranges = Abi.offset(Abi.RULE, "ranges");
        private final long size = Abi.PORT_RANGE.byteSize();
        private final long lo = Abi.offset(Abi.PORT_RANGE, "lo");
        private final long hi = Abi.offset(Abi.PORT_RANGE, "hi");
        private final long rAction = Abi.offset(Abi.PORT_RANGE, "action");
        private final long rId = Abi.offset(Abi.PORT_RANGE, "rule_id");
        public long size() { return Abi.RULE.byteSize(); }
        public void write(RuleValue v, MemorySegment t) {
            t.fill((byte) 0);
            t.set(JAVA_INT, action, v.action());
            t.set(JAVA_INT, id, v.ruleId());
            t.set(JAVA_INT, nranges, v.ranges().size());
            for (int i = 0; i < v.ranges().size(); i++) {
                PortRangeValue r = v.ranges().get(i);
                long at = ranges + i * size;
                t.set(JAVA_SHORT, at + lo, (short) r.lo());
                t.set(JAVA_SHORT, at + hi, (short) r.hi());
                t.set(JAVA_INT, at + rAction, r.action());
                t.set(JAVA_INT, at + rId, r.ruleId());
            }
        }
        public RuleValue read(MemorySegment s) {
            List<PortRangeValue> out = new java.util.ArrayList<>();
            for (int i = 0; i < s.get(JAVA_INT, nranges); i++) {
                long at = ranges + i * size;
                out.add(new PortRangeValue(Short.toUnsignedInt(s.get(JAVA_SHORT, at + lo)), Short.toUnsignedInt(s.get(JAVA_SHORT, at + hi)),
                        s.get(JAVA_INT, at + rAction), s.get(JAVA_INT, at + rId)));
            }
            return new RuleValue(s.get(JAVA_INT, action), s.get(JAVA_INT, id), out);
        }
    };

    record Learned(long allowUntilNs, long denyUntilNs, long outageUntilNs) {}

    record QueryKey(int sport, int txid, int proto) {}

    record Owner(int tgid, int pid, long tsNs, long cgroupId, String comm) {}

    record DnsServer(byte[] addr, int portNetworkOrder, int family) {}

    static final MapCodec<Learned> LEARNED = new MapCodec<>() {
        private final long allow = Abi.offset(Abi.LEARNED, "allow_until_ns");
        private final long deny = Abi.offset(Abi.LEARNED, "deny_until_ns");
        private final long outage = Abi.offset(Abi.LEARNED, "outage_until_ns");
        public long size() { return Abi.LEARNED.byteSize(); }
        public void write(Learned v, MemorySegment t) {
            t.set(JAVA_LONG, allow, v.allowUntilNs());
            t.set(JAVA_LONG, deny, v.denyUntilNs());
            t.set(JAVA_LONG, outage, v.outageUntilNs());
        }
        public Learned read(MemorySegment s) {
            return new Learned(s.get(JAVA_LONG, allow), s.get(JAVA_LONG, deny), s.get(JAVA_LONG, outage));
        }
    };

    /** An exact address key (cordon_ip4 / cordon_ip6). */
    static MapCodec<byte[]> ip(int len) {
        return new MapCodec<>() {
            public long size() { return len; }
            public void write(byte[] v, MemorySegment t) {
                if (v.length != len) throw new IllegalArgumentException("address has " + v.length + " bytes, key needs " + len);
                MemorySegment.copy(v, 0, t, JAVA_BYTE, 0, len);
            }
            public byte[] read(MemorySegment s) { return s.asSlice(0, len).toArray(JAVA_BYTE); }
        };
    }

    static final MapCodec<QueryKey> QUERY_KEY = new MapCodec<>() {
        private final long sport = Abi.offset(Abi.DNS_QUERY_KEY, "sport");
        private final long txid = Abi.offset(Abi.DNS_QUERY_KEY, "txid");
        private final long proto = Abi.offset(Abi.DNS_QUERY_KEY, "proto");
        public long size() { return Abi.DNS_QUERY_KEY.byteSize(); }
        public void write(QueryKey v, MemorySegment t) {
            t.fill((byte) 0);
            t.set(JAVA_SHORT, sport, (short) v.sport());
            t.set(JAVA_SHORT, txid, (short) v.txid());
            t.set(JAVA_INT, proto, v.proto());
        }
        public QueryKey read(MemorySegment s) {
            return new QueryKey(Short.toUnsignedInt(s.get(JAVA_SHORT, sport)), Short.toUnsignedInt(s.get(JAVA_SHORT, txid)),
                    s.get(JAVA_INT, proto));
        }
    };

    static final MapCodec<Owner> OWNER = new MapCodec<>() {
        private final long tgid = Abi.offset(Abi.DNS_OWNER, "tgid");
        private final long pid = Abi.offset(Abi.DNS_OWNER, "pid");
        private final long ts = Abi.offset(Abi.DNS_OWNER, "ts_ns");
        private final long cgroup = Abi.offset(Abi.DNS_OWNER, "cgroup_id");
        private final long comm = Abi.offset(Abi.DNS_OWNER, "comm");
        public long size() { return Abi.DNS_OWNER.byteSize(); }
        public void write(Owner v, MemorySegment t) { throw new UnsupportedOperationException("written by the kernel"); }
        public Owner read(MemorySegment s) {
            byte[] c = s.asSlice(comm, Abi.COMM_LEN).toArray(JAVA_BYTE);
            int n = 0;
            while (n < c.length && c[n] != 0) n++;
            return new Owner(s.get(JAVA_INT, tgid), s.get(JAVA_INT, pid), s.get(JAVA_LONG, ts), s.get(JAVA_LONG, cgroup),
                    new String(c, 0, n, java.nio.charset.StandardCharsets.UTF_8));
        }
    };

    static final MapCodec<DnsServer> DNS_SERVER = new MapCodec<>() {
        private final long addr = Abi.offset(Abi.DNS_SERVER, "addr");
        private final long port = Abi.offset(Abi.DNS_SERVER, "port");
        private final long family = Abi.offset(Abi.DNS_SERVER, "family");
        public long size() { return Abi.DNS_SERVER.byteSize(); }
        public void write(DnsServer v, MemorySegment t) {
            t.fill((byte) 0);
            MemorySegment.copy(v.addr(), 0, t, JAVA_BYTE, addr, v.addr().length);
            t.set(JAVA_SHORT, port, (short) v.portNetworkOrder());
            t.set(JAVA_SHORT, family, (short) v.family());
        }
        public DnsServer read(MemorySegment s) { throw new UnsupportedOperationException(); }
    };

    static final MapCodec<ShellBinary.Layout> SHELL_LAYOUT = new MapCodec<>() {
        private final long probe = Abi.offset(Abi.SHELL_LAYOUT, "probe_vaddr");
        private final long line = Abi.offset(Abi.SHELL_LAYOUT, "line_number");
        private final long trap = Abi.offset(Abi.SHELL_LAYOUT, "running_trap");
        private final long globals = Abi.offset(Abi.SHELL_LAYOUT, "global_variables");
        private final long hash = Abi.offset(Abi.SHELL_LAYOUT, "source_hash");
        private final long linenoHash = Abi.offset(Abi.SHELL_LAYOUT, "lineno_hash");
        private final long head = Abi.offset(Abi.SHELL_LAYOUT, "array_head");
        public long size() { return Abi.SHELL_LAYOUT.byteSize(); }
        public void write(ShellBinary.Layout v, MemorySegment t) {
            t.set(JAVA_LONG, probe, v.probeVaddr());
            t.set(JAVA_LONG, line, v.lineNumber());
            t.set(JAVA_LONG, trap, v.runningTrap());
            t.set(JAVA_LONG, globals, v.globalVariables());
            t.set(JAVA_INT, hash, v.sourceHash());
            t.set(JAVA_INT, linenoHash, v.linenoHash());
            t.set(JAVA_INT, head, v.arrayHead());
            t.set(JAVA_INT, Abi.offset(Abi.SHELL_LAYOUT, "_pad"), 0);
        }
        public ShellBinary.Layout read(MemorySegment s) {
            return new ShellBinary.Layout(s.get(JAVA_LONG, probe), s.get(JAVA_LONG, line), s.get(JAVA_LONG, trap),
                    s.get(JAVA_LONG, globals), s.get(JAVA_INT, hash), s.get(JAVA_INT, linenoHash), s.get(JAVA_INT, head));
        }
    };

    static final MapCodec<Byte> U8 = new MapCodec<>() {
        public long size() { return 1; }
        public void write(Byte v, MemorySegment t) { t.set(JAVA_BYTE, 0, v); }
        public Byte read(MemorySegment s) { return s.get(JAVA_BYTE, 0); }
    };

    /** A cordon_name_rule: what the domain policy says of a suffix itself and of the names below it. */
    record NameRuleValue(int len, int action, int ruleId, int belowAction, int belowRuleId, int outageId, int belowOutageId) {}

    /**
     * A cordon_name_key from a canonical suffix ({@code github.com}): reversed, then a dot
     * ({@code moc.buhtig.}), the rest zero, and its length in bytes. Reads back to the suffix.
     */
    static final MapCodec<String> NAME_KEY = new MapCodec<>() {
        private final long len = Abi.offset(Abi.NAME_KEY, "len");
        private final long name = Abi.offset(Abi.NAME_KEY, "name");
        public long size() { return Abi.NAME_KEY.byteSize(); }
        public void write(String suffix, MemorySegment t) {
            byte[] b = suffix.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            if (b.length + 1 > Abi.NAME_LEN) throw new IllegalArgumentException("a name table key holds " + (Abi.NAME_LEN - 1) + " bytes: " + suffix);
            // Written in place, reversed, then zeros: no key-sized array per entry (100k names: 25 MB less garbage).
            t.set(JAVA_INT, len, b.length + 1);
            for (int i = 0; i < b.length; i++) t.set(JAVA_BYTE, name + i, b[b.length - 1 - i]);
            t.set(JAVA_BYTE, name + b.length, (byte) '.');
            t.asSlice(name + b.length + 1, Abi.NAME_LEN - b.length - 1).fill((byte) 0);
        }
        public String read(MemorySegment s) {
            int n = Math.clamp(s.get(JAVA_INT, len) - 1, 0, Abi.NAME_LEN - 1);
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) b[i] = s.get(JAVA_BYTE, name + n - 1 - i);
            return new String(b, java.nio.charset.StandardCharsets.US_ASCII);
        }
    };

    static final MapCodec<NameRuleValue> NAME_RULE = new MapCodec<>() {
        private final long[] at = {Abi.offset(Abi.NAME_RULE, "len"), Abi.offset(Abi.NAME_RULE, "action"),
                Abi.offset(Abi.NAME_RULE, "rule_id"), Abi.offset(Abi.NAME_RULE, "below_action"),
                Abi.offset(Abi.NAME_RULE, "below_rule_id"), Abi.offset(Abi.NAME_RULE, "outage_id"),
                Abi.offset(Abi.NAME_RULE, "below_outage_id")};
        public long size() { return Abi.NAME_RULE.byteSize(); }
        public void write(NameRuleValue v, MemorySegment t) {
            t.fill((byte) 0);
            int[] f = {v.len(), v.action(), v.ruleId(), v.belowAction(), v.belowRuleId(), v.outageId(), v.belowOutageId()};
            for (int i = 0; i < f.length; i++) t.set(JAVA_INT, at[i], f[i]);
        }
        public NameRuleValue read(MemorySegment s) {
            return new NameRuleValue(s.get(JAVA_INT, at[0]), s.get(JAVA_INT, at[1]), s.get(JAVA_INT, at[2]), s.get(JAVA_INT, at[3]),
                    s.get(JAVA_INT, at[4]), s.get(JAVA_INT, at[5]), s.get(JAVA_INT, at[6]));
        }
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
