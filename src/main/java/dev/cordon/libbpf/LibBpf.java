package dev.cordon.libbpf;

import dev.cordon.sys.Downcall;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Method handles for the parts of Debian's libbpf1 (libbpf.so.1, API 1.x) that we use.
 *
 * <p>Calls that return a pointer report failure as NULL plus errno, so they are linked with
 * {@code captureCallState("errno")}; calls that return int report {@code -errno} directly.
 * Each is linked on its first call ({@link Downcall}): call them as {@code X.handle().invokeExact(...)}.
 * Nothing in this package knows about cordon.
 */
final class LibBpf {
    private LibBpf() {}

    static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static final SymbolLookup LIB = load();

    private static SymbolLookup load() {
        try {
            return SymbolLookup.libraryLookup("libbpf.so.1", Arena.global());
        } catch (IllegalArgumentException e) {
            throw new UnsatisfiedLinkError(
                    "libbpf.so.1 not found; install Debian's libbpf1 (apt-get install -y libbpf1)");
        }
    }

    static Downcall fn(String name, FunctionDescriptor fd) {
        return new Downcall(symbol(name), fd);
    }

    static Downcall fnErrno(String name, FunctionDescriptor fd) {
        return new Downcall(symbol(name), fd, ERRNO);
    }

    private static MemorySegment symbol(String name) {
        return LIB.find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("libbpf.so.1 has no symbol " + name + " (libbpf too old?)"));
    }

    static int errno(MemorySegment captureState) {
        return (int) ERRNO_HANDLE.get(captureState, 0L);
    }

    /** A per-thread buffer for errno capture: cheaper than an arena per call on hot paths. */
    static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    static final ValueLayout.OfLong SIZE_T = JAVA_LONG;

    // --- object lifecycle
    static final Downcall OBJECT_OPEN_MEM = fnErrno("bpf_object__open_mem",
            FunctionDescriptor.of(ADDRESS, ADDRESS, SIZE_T, ADDRESS));
    static final Downcall OBJECT_LOAD = fn("bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final Downcall OBJECT_CLOSE = fn("bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
    static final Downcall OBJECT_BTF = fn("bpf_object__btf", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final Downcall OBJECT_FIND_PROGRAM = fn("bpf_object__find_program_by_name",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final Downcall OBJECT_FIND_MAP = fn("bpf_object__find_map_by_name",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final Downcall OBJECT_NEXT_MAP = fn("bpf_object__next_map",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final Downcall OBJECT_NEXT_PROGRAM = fn("bpf_object__next_program",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));

    // --- programs and links
    static final Downcall PROGRAM_NAME = fn("bpf_program__name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final Downcall PROGRAM_SECTION = fn("bpf_program__section_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final Downcall PROGRAM_FD = fn("bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final Downcall PROGRAM_ATTACH = fnErrno("bpf_program__attach", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final Downcall PROGRAM_ATTACH_CGROUP = fnErrno("bpf_program__attach_cgroup",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    static final Downcall PROGRAM_ATTACH_UPROBE_OPTS = fnErrno("bpf_program__attach_uprobe_opts",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, SIZE_T, ADDRESS));
    static final Downcall PROGRAM_SET_AUTOLOAD = fn("bpf_program__set_autoload",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ValueLayout.JAVA_BOOLEAN));
    static final Downcall PROG_ATTACH = fn("bpf_prog_attach",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    static final Downcall LINK_DESTROY = fn("bpf_link__destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final Downcall LINK_FD = fn("bpf_link__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final Downcall LINK_PIN = fn("bpf_link__pin", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final Downcall LINK_UNPIN = fn("bpf_link__unpin", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    // --- maps (object side)
    static final Downcall MAP_NAME = fn("bpf_map__name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final Downcall MAP_FD = fn("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final Downcall MAP_TYPE = fn("bpf_map__type", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final Downcall MAP_KEY_SIZE = fn("bpf_map__key_size", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final Downcall MAP_VALUE_SIZE = fn("bpf_map__value_size", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final Downcall MAP_MAX_ENTRIES = fn("bpf_map__max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final Downcall MAP_REUSE_FD = fn("bpf_map__reuse_fd", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final Downcall MAP_SET_MAX_ENTRIES = fn("bpf_map__set_max_entries",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final Downcall MAP_INITIAL_VALUE = fn("bpf_map__initial_value",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));

    // --- maps (fd side, bpf(2) wrappers; return -errno)
    static final Downcall MAP_UPDATE_ELEM = fn("bpf_map_update_elem",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    static final Downcall MAP_LOOKUP_ELEM = fn("bpf_map_lookup_elem",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final Downcall MAP_DELETE_ELEM = fn("bpf_map_delete_elem",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static final Downcall MAP_GET_NEXT_KEY = fn("bpf_map_get_next_key",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final Downcall OBJ_PIN = fn("bpf_obj_pin", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static final Downcall MAP_UPDATE_BATCH = fn("bpf_map_update_batch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final Downcall MAP_DELETE_BATCH = fn("bpf_map_delete_batch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));

    // --- ring buffer
    static final Downcall RING_BUFFER_NEW = fnErrno("ring_buffer__new",
            FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static final Downcall RING_BUFFER_POLL = fn("ring_buffer__poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final Downcall RING_BUFFER_CONSUME = fn("ring_buffer__consume",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final Downcall RING_BUFFER_FREE = fn("ring_buffer__free", FunctionDescriptor.ofVoid(ADDRESS));

    // --- BTF
    static final Downcall BTF_PARSE_ELF = fnErrno("btf__parse_elf",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final Downcall BTF_FREE = fn("btf__free", FunctionDescriptor.ofVoid(ADDRESS));
    static final Downcall BTF_TYPE_CNT = fn("btf__type_cnt", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final Downcall BTF_TYPE_BY_ID = fn("btf__type_by_id", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    static final Downcall BTF_NAME_BY_OFFSET = fn("btf__name_by_offset",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    static final Downcall BTF_FIND_BY_NAME_KIND = fn("btf__find_by_name_kind",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final Downcall BTF_RESOLVE_SIZE = fn("btf__resolve_size",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));

    // --- misc
    static final Downcall STRERROR = fn("libbpf_strerror",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, SIZE_T));
    static final Downcall SET_PRINT = fn("libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final Downcall MAJOR_VERSION = fn("libbpf_major_version", FunctionDescriptor.of(JAVA_INT));
    static final Downcall MINOR_VERSION = fn("libbpf_minor_version", FunctionDescriptor.of(JAVA_INT));
    static final Downcall PROBE_PROG_TYPE = fn("libbpf_probe_bpf_prog_type",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static final Downcall PROBE_MAP_TYPE = fn("libbpf_probe_bpf_map_type",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    /** Turns any Throwable from invokeExact into an unchecked one; FFM handles only throw what the target throws. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
