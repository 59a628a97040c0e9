package dev.cordon.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A BPF ELF object opened from memory: set load-time constants, size maps, load, then find
 * programs and maps. Closing it unloads programs and maps that nothing else holds.
 *
 * <p>Not thread-safe; one owner configures and loads it.
 */
public final class BpfObject implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment obj;
    private boolean loaded;
    private boolean closed;
    // Found once for all setConstant calls: each lookup is dozens of native calls.
    private MemorySegment rodata;
    private java.util.Map<String, Btf.DataSecVar> rodataVars;

    private BpfObject(Arena arena, MemorySegment obj) {
        this.arena = arena;
        this.obj = obj;
    }

    /**
     * Opens an object from its ELF bytes. {@code name} becomes the prefix of the global-data map
     * names (e.g. {@code name.rodata}).
     */
    public static BpfObject open(byte[] elf, String name) {
        Objects.requireNonNull(elf, "elf");
        LibBpfLoader.require();
        LibBpfLog.installOnce();
        // The ELF buffer must outlive open and load (libbpf keeps pointers into it until load).
        Arena arena = Arena.ofShared();
        try {
            MemorySegment buf = arena.allocate(elf.length, 8);
            MemorySegment.copy(elf, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, elf.length);
            // struct bpf_object_open_opts { size_t sz; const char *object_name; ... }: passing sz=16
            // declares that only these two fields are set, which every libbpf 1.x accepts.
            MemorySegment opts = arena.allocate(16, 8);
            opts.set(JAVA_LONG, 0, 16L);
            opts.set(ADDRESS, 8, arena.allocateFrom(name));
            MemorySegment capture = LibBpf.CAPTURE.get();
            MemorySegment ptr = (MemorySegment) LibBpf.OBJECT_OPEN_MEM.handle().invokeExact(capture, buf, (long) elf.length, opts);
            Errors.check(ptr, capture, "bpf_object__open_mem(" + name + ")");
            return new BpfObject(arena, ptr);
        } catch (Throwable t) {
            arena.close();
            throw LibBpf.rethrow(t);
        }
    }

    /**
     * Sets a {@code const volatile} global in {@code .rodata} before load, by its BTF name.
     * The value's length must equal the variable's size.
     */
    public void setConstant(String variable, byte[] value) {
        ensureOpen();
        if (loaded) throw new IllegalStateException("constants are fixed once the object is loaded");
        if (rodata == null) {
            rodata = findMapPointer(m -> m.endsWith(".rodata"))
                    .orElseThrow(() -> new IllegalArgumentException("object has no .rodata section"));
            Btf btf = Btf.borrowed(call(() -> (MemorySegment) LibBpf.OBJECT_BTF.handle().invokeExact(obj)));
            rodataVars = btf.dataSectionVariables(".rodata");
        }
        Btf.DataSecVar var = rodataVars.get(variable);
        if (var == null) throw new IllegalArgumentException("no constant named " + variable + " in .rodata");
        if (var.size() != value.length) {
            throw new IllegalArgumentException(variable + " has size " + var.size() + ", got " + value.length + " bytes");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sizeOut = a.allocate(JAVA_LONG);
            MemorySegment data = (MemorySegment) LibBpf.MAP_INITIAL_VALUE.handle().invokeExact(rodata, sizeOut);
            long size = sizeOut.get(JAVA_LONG, 0);
            if (data.equals(MemorySegment.NULL) || var.offset() + value.length > size) {
                throw new IllegalStateException(".rodata initial value unavailable for " + variable);
            }
            MemorySegment.copy(value, 0, data.reinterpret(size), java.lang.foreign.ValueLayout.JAVA_BYTE,
                    var.offset(), value.length);
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** Changes a map's capacity before load. */
    public void setMaxEntries(String map, int maxEntries) {
        ensureOpen();
        MemorySegment m = mapPointer(map);
        int rc = call(() -> (int) LibBpf.MAP_SET_MAX_ENTRIES.handle().invokeExact(m, maxEntries));
        Errors.check(rc, "bpf_map__set_max_entries(" + map + ")");
    }

    /**
     * Makes this object's map {@code name} the already loaded map {@code existing} (of another
     * object) instead of creating its own: both objects' programs then share it. Before load; the
     * definitions must agree (type, key and value size, capacity), or load fails.
     */
    public void reuseMap(String name, BpfMap existing) {
        ensureOpen();
        if (loaded) throw new IllegalStateException("maps are created once the object is loaded");
        MemorySegment m = mapPointer(name);
        int fd = existing.fd();
        int rc = call(() -> (int) LibBpf.MAP_REUSE_FD.handle().invokeExact(m, fd));
        Errors.check(rc, "bpf_map__reuse_fd(" + name + ")");
    }

    /** Leaves a program out of the load (e.g. a hook the kernel lacks). */
    public void setAutoload(String program, boolean autoload) {
        ensureOpen();
        MemorySegment p = programPointer(program);
        int rc = call(() -> (int) LibBpf.PROGRAM_SET_AUTOLOAD.handle().invokeExact(p, autoload));
        Errors.check(rc, "bpf_program__set_autoload(" + program + ")");
    }

    /** Creates maps and loads programs into the kernel (the verifier runs here). */
    public void load() {
        ensureOpen();
        int rc = call(() -> (int) LibBpf.OBJECT_LOAD.handle().invokeExact(obj));
        Errors.check(rc, "bpf_object__load");
        loaded = true;
    }

    public BpfProgram program(String name) {
        ensureOpen();
        return new BpfProgram(this, programPointer(name));
    }

    public BpfMap map(String name) {
        ensureOpen();
        if (!loaded) throw new IllegalStateException("load the object before using map " + name);
        return BpfMap.of(mapPointer(name));
    }

    public List<String> programNames() {
        ensureOpen();
        List<String> names = new ArrayList<>();
        MemorySegment p = MemorySegment.NULL;
        while (true) {
            MemorySegment prev = p;
            p = call(() -> (MemorySegment) LibBpf.OBJECT_NEXT_PROGRAM.handle().invokeExact(obj, prev));
            if (p.equals(MemorySegment.NULL)) return names;
            MemorySegment cur = p;
            names.add(cString(call(() -> (MemorySegment) LibBpf.PROGRAM_NAME.handle().invokeExact(cur))));
        }
    }

    boolean isLoaded() {
        return loaded;
    }

    void ensureOpen() {
        if (closed) throw new IllegalStateException("BPF object is closed");
    }

    private MemorySegment programPointer(String name) {
        MemorySegment p;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cname = a.allocateFrom(name);
            p = call(() -> (MemorySegment) LibBpf.OBJECT_FIND_PROGRAM.handle().invokeExact(obj, cname));
        }
        if (p.equals(MemorySegment.NULL)) throw new IllegalArgumentException("object has no program " + name);
        return p;
    }

    private MemorySegment mapPointer(String name) {
        MemorySegment m;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cname = a.allocateFrom(name);
            m = call(() -> (MemorySegment) LibBpf.OBJECT_FIND_MAP.handle().invokeExact(obj, cname));
        }
        if (m.equals(MemorySegment.NULL)) throw new IllegalArgumentException("object has no map " + name);
        return m;
    }

    private Optional<MemorySegment> findMapPointer(java.util.function.Predicate<String> nameMatches) {
        MemorySegment m = MemorySegment.NULL;
        while (true) {
            MemorySegment prev = m;
            m = call(() -> (MemorySegment) LibBpf.OBJECT_NEXT_MAP.handle().invokeExact(obj, prev));
            if (m.equals(MemorySegment.NULL)) return Optional.empty();
            MemorySegment cur = m;
            if (nameMatches.test(cString(call(() -> (MemorySegment) LibBpf.MAP_NAME.handle().invokeExact(cur))))) {
                return Optional.of(m);
            }
        }
    }

    static String cString(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(4096).getString(0);
    }

    @FunctionalInterface
    interface NativeCall<T> {
        T run() throws Throwable;
    }

    static <T> T call(NativeCall<T> c) {
        try {
            return c.run();
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            LibBpf.OBJECT_CLOSE.handle().invokeExact(obj);
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        } finally {
            arena.close();
        }
    }
}
