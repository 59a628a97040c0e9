package dev.cordon.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Read access to BTF type information: struct layouts, enum values and data-section variables.
 * Used to set .rodata constants by name and to check that Java mirrors match C structs.
 */
public final class Btf implements AutoCloseable {
    private static final int KIND_STRUCT = 4;
    private static final int KIND_ENUM = 6;
    private static final int KIND_DATASEC = 15;
    private static final int TYPE_HEADER = 12; // struct btf_type: name_off, info, size/type

    public record Member(String name, long offset, long size) {}

    public record Struct(String name, long size, List<Member> members) {}

    record DataSecVar(String name, long offset, long size) {}

    private final MemorySegment btf;
    private final boolean owned;
    private boolean closed;

    private Btf(MemorySegment btf, boolean owned) {
        this.btf = btf;
        this.owned = owned;
    }

    /** Parses the .BTF section of an ELF file (a compiled BPF object, or vmlinux). */
    public static Btf parseElf(Path elf) {
        LibBpfLoader.require();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment capture = LibBpf.CAPTURE.get();
            MemorySegment path = a.allocateFrom(elf.toString());
            MemorySegment p = (MemorySegment) LibBpf.BTF_PARSE_ELF.handle().invokeExact(capture, path, MemorySegment.NULL);
            return new Btf(Errors.check(p, capture, "btf__parse_elf(" + elf + ")"), true);
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** A view of BTF owned by something else (e.g. a BpfObject). */
    static Btf borrowed(MemorySegment btf) {
        if (btf.equals(MemorySegment.NULL)) throw new IllegalStateException("object has no BTF");
        return new Btf(btf, false);
    }

    public Optional<Struct> struct(String name) {
        return find(name, KIND_STRUCT).map(id -> {
            MemorySegment t = type(id);
            int info = t.get(JAVA_INT, 4);
            int vlen = info & 0xffff;
            boolean kindFlag = (info >>> 31) != 0;
            long size = Integer.toUnsignedLong(t.get(JAVA_INT, 8));
            List<Member> members = new ArrayList<>(vlen);
            MemorySegment m = t.reinterpret(TYPE_HEADER + 12L * vlen);
            for (int i = 0; i < vlen; i++) {
                long base = TYPE_HEADER + 12L * i;
                String mname = name(m.get(JAVA_INT, base));
                int mtype = m.get(JAVA_INT, base + 4);
                int off = m.get(JAVA_INT, base + 8);
                long bitOffset = kindFlag ? (off & 0xffffff) : Integer.toUnsignedLong(off);
                members.add(new Member(mname, bitOffset / 8, resolveSize(mtype)));
            }
            return new Struct(name, size, List.copyOf(members));
        });
    }

    /** Enum constants in declaration order, as unsigned values unless the enum is signed. */
    public Optional<Map<String, Long>> enumValues(String name) {
        return find(name, KIND_ENUM).map(id -> {
            MemorySegment t = type(id);
            int info = t.get(JAVA_INT, 4);
            int vlen = info & 0xffff;
            boolean signed = (info >>> 31) != 0;
            MemorySegment e = t.reinterpret(TYPE_HEADER + 8L * vlen);
            Map<String, Long> out = new LinkedHashMap<>();
            for (int i = 0; i < vlen; i++) {
                long base = TYPE_HEADER + 8L * i;
                int val = e.get(JAVA_INT, base + 4);
                out.put(name(e.get(JAVA_INT, base)), signed ? (long) val : Integer.toUnsignedLong(val));
            }
            return out;
        });
    }

    /** Every variable of a data section by name, in one pass (empty if there is no such section). */
    Map<String, DataSecVar> dataSectionVariables(String section) {
        return find(section, KIND_DATASEC).map(id -> {
            MemorySegment t = type(id);
            int vlen = t.get(JAVA_INT, 4) & 0xffff;
            MemorySegment s = t.reinterpret(TYPE_HEADER + 12L * vlen);
            Map<String, DataSecVar> vars = new LinkedHashMap<>();
            for (int i = 0; i < vlen; i++) {
                long base = TYPE_HEADER + 12L * i;
                int varType = s.get(JAVA_INT, base);
                String varName = name(type(varType).get(JAVA_INT, 0));
                vars.put(varName, new DataSecVar(varName,
                        Integer.toUnsignedLong(s.get(JAVA_INT, base + 4)),
                        Integer.toUnsignedLong(s.get(JAVA_INT, base + 8))));
            }
            return vars;
        }).orElse(Map.of());
    }

    private Optional<Integer> find(String name, int kind) {
        ensureOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cname = a.allocateFrom(name);
            int id = (int) LibBpf.BTF_FIND_BY_NAME_KIND.handle().invokeExact(btf, cname, kind);
            return id > 0 ? Optional.of(id) : Optional.empty();
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    private MemorySegment type(int id) {
        MemorySegment t = BpfObject.call(() -> (MemorySegment) LibBpf.BTF_TYPE_BY_ID.handle().invokeExact(btf, id));
        if (t.equals(MemorySegment.NULL)) throw new IllegalStateException("no BTF type " + id);
        return t.reinterpret(TYPE_HEADER);
    }

    private String name(int offset) {
        return BpfObject.cString(BpfObject.call(() -> (MemorySegment) LibBpf.BTF_NAME_BY_OFFSET.handle().invokeExact(btf, offset)));
    }

    private long resolveSize(int typeId) {
        long size = BpfObject.call(() -> (long) LibBpf.BTF_RESOLVE_SIZE.handle().invokeExact(btf, typeId));
        return Errors.check((int) Math.min(size, Integer.MAX_VALUE), "btf__resolve_size");
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("BTF is closed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (owned) {
            try {
                LibBpf.BTF_FREE.handle().invokeExact(btf);
            } catch (Throwable t) {
                throw LibBpf.rethrow(t);
            }
        }
    }
}
