package dev.cordon.kernel;

import dev.cordon.libbpf.Btf;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Compares C types (as BTF describes them) with their Java mirrors and lists every difference in
 * words a person can act on. An empty list means the two agree. Reusable by any test that holds
 * a {@link Btf} (the compiled object's, or a loaded program's).
 */
final class AbiDiff {
    private AbiDiff() {}

    /** One member of either side, flattened to what can be compared across languages. */
    private record Field(String name, long offset, long size, String what) {
        @Override
        public String toString() {
            return "'" + name + "' at offset " + offset + " (" + size + " bytes" + (what.isEmpty() ? "" : ", " + what) + ")";
        }
    }

    /**
     * Size, member names in order, byte offsets and sizes. Nested structs compare by offset and
     * size (they have their own entry), arrays by total byte size. Java padding layouts have no C
     * counterpart: they only move the offset.
     */
    static List<String> diff(Btf.Struct c, StructLayout java) {
        List<String> out = new ArrayList<>();
        String where = "struct " + c.name();
        if (c.size() != java.byteSize()) {
            out.add(where + ": size is " + c.size() + " bytes in C but " + java.byteSize() + " in Java");
        }
        List<Field> jf = new ArrayList<>();
        long offset = 0;
        for (MemoryLayout m : java.memberLayouts()) {
            if (!(m instanceof PaddingLayout)) {
                String what = switch (m) {
                    case StructLayout s -> "struct";
                    case GroupLayout g -> "union";
                    case SequenceLayout s -> "array";
                    default -> "";
                };
                jf.add(new Field(m.name().orElse("<unnamed>"), offset, m.byteSize(), what));
            }
            offset += m.byteSize();
        }
        List<Field> cf = c.members().stream().map(m -> new Field(m.name(), m.offset(), m.size(), "")).toList();
        if (cf.size() != jf.size()) {
            out.add(where + ": " + cf.size() + " members in C " + names(cf) + " but " + jf.size() + " in Java " + names(jf));
        }
        for (int i = 0; i < Math.max(cf.size(), jf.size()); i++) {
            Field a = i < cf.size() ? cf.get(i) : null;
            Field b = i < jf.size() ? jf.get(i) : null;
            if (a == null) {
                out.add(where + ": member #" + i + " " + b + " exists only in Java");
            } else if (b == null) {
                out.add(where + ": member #" + i + " " + a + " exists only in C");
            } else {
                if (!a.name().equals(b.name())) {
                    out.add(where + ": member #" + i + " is '" + a.name() + "' in C but '" + b.name() + "' in Java");
                }
                if (a.offset() != b.offset()) {
                    out.add(where + "." + a.name() + ": offset is " + a.offset() + " in C but " + b.offset() + " in Java");
                }
                if (a.size() != b.size()) {
                    out.add(where + "." + a.name() + ": size is " + a.size() + " in C but " + b.size() + " in Java");
                }
            }
        }
        return out;
    }

    /** Names and values, in declaration order. */
    static List<String> diffEnum(String name, Map<String, Long> c, Map<String, Long> java) {
        List<String> out = new ArrayList<>();
        String where = "enum " + name;
        for (var e : c.entrySet()) {
            Long j = java.get(e.getKey());
            if (j == null) out.add(where + ": " + e.getKey() + " = " + e.getValue() + " is missing in Java");
            else if (!j.equals(e.getValue())) {
                out.add(where + ": " + e.getKey() + " is " + e.getValue() + " in C but " + j + " in Java");
            }
        }
        for (var e : java.entrySet()) {
            if (!c.containsKey(e.getKey())) out.add(where + ": " + e.getKey() + " = " + e.getValue() + " exists only in Java");
        }
        if (out.isEmpty() && !List.copyOf(c.keySet()).equals(List.copyOf(java.keySet()))) {
            out.add(where + ": constants are in order " + c.keySet() + " in C but " + java.keySet() + " in Java");
        }
        return out;
    }

    /** Every struct and enum of {@link Abi} against the BTF; missing types are differences too. */
    static List<String> diffAll(Btf btf, Map<String, StructLayout> structs, Map<String, Map<String, Long>> enums) {
        List<String> out = new ArrayList<>();
        structs.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> btf.struct(e.getKey()).ifPresentOrElse(
                c -> out.addAll(diff(c, e.getValue())),
                () -> out.add("struct " + e.getKey() + " is mirrored in Java but not in the object's BTF")));
        enums.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> btf.enumValues(e.getKey()).ifPresentOrElse(
                c -> out.addAll(diffEnum(e.getKey(), c, e.getValue())),
                () -> out.add("enum " + e.getKey() + " is mirrored in Java but not in the object's BTF")));
        return out;
    }

    private static String names(List<Field> fields) {
        return fields.stream().map(Field::name).toList().toString();
    }
}
