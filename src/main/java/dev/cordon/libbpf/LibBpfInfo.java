package dev.cordon.libbpf;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** What the installed libbpf and the running kernel support, for diagnostics. */
public final class LibBpfInfo {
    private LibBpfInfo() {}

    /** bpf_prog_type values we probe (uapi/linux/bpf.h). */
    public static final int PROG_TYPE_TRACEPOINT = 5;
    public static final int PROG_TYPE_CGROUP_SKB = 8;
    public static final int PROG_TYPE_CGROUP_SOCK = 9;
    public static final int PROG_TYPE_SOCK_OPS = 13;
    public static final int PROG_TYPE_SK_MSG = 16;
    public static final int PROG_TYPE_RAW_TRACEPOINT = 17;
    public static final int PROG_TYPE_CGROUP_SOCK_ADDR = 18;

    public static String version() {
        LibBpfLoader.require();
        return BpfObject.call(() -> (int) LibBpf.MAJOR_VERSION.handle().invokeExact() + "." + (int) LibBpf.MINOR_VERSION.handle().invokeExact());
    }

    /** @return true if the kernel accepts programs of this type (libbpf loads a trivial one) */
    public static boolean supportsProgramType(int progType) {
        int rc = BpfObject.call(() -> (int) LibBpf.PROBE_PROG_TYPE.handle().invokeExact(progType, java.lang.foreign.MemorySegment.NULL));
        return Errors.check(rc, "probe program type " + progType) == 1;
    }

    /** @return true if the kernel can create maps of this type */
    public static boolean supportsMapType(MapType type) {
        int rc = BpfObject.call(() -> (int) LibBpf.PROBE_MAP_TYPE.handle().invokeExact(type.id, java.lang.foreign.MemorySegment.NULL));
        return Errors.check(rc, "probe map type " + type) == 1;
    }

    /**
     * Whether bpf(2) works for this process: creates a one-entry array map and closes it again.
     *
     * @return 0 if the kernel created the map, else the positive errno (ENOSYS: kernel built without
     *         BPF; EPERM: not privileged enough, or bpf() blocked by a seccomp profile or an LSM)
     */
    public static int bpfSyscallErrno() {
        int fd = BpfObject.call(() -> (int) Probe.MAP_CREATE.invokeExact(
                MapType.ARRAY.id, MemorySegment.NULL, 4, 4, 1, MemorySegment.NULL));
        if (fd < 0) return -fd;
        int ignored = BpfObject.call(() -> (int) Probe.CLOSE.invokeExact(fd));
        return 0;
    }

    /** Handles only the probes use, linked on first use. */
    private static final class Probe {
        static final MethodHandle MAP_CREATE = LibBpf.fn("bpf_map_create",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS)).handle();
        static final MethodHandle CLOSE = LibBpf.LINKER.downcallHandle(
                LibBpf.LINKER.defaultLookup().find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
}
