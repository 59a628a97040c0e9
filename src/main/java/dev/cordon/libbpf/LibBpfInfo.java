package dev.cordon.libbpf;

/** What the installed libbpf and the running kernel support, for diagnostics. */
public final class LibBpfInfo {
    private LibBpfInfo() {}

    /** bpf_prog_type values we probe (uapi/linux/bpf.h). */
    public static final int PROG_TYPE_TRACEPOINT = 5;
    public static final int PROG_TYPE_CGROUP_SKB = 8;
    public static final int PROG_TYPE_CGROUP_SOCK = 9;
    public static final int PROG_TYPE_CGROUP_SOCK_ADDR = 18;

    public static String version() {
        return BpfObject.call(() -> (int) LibBpf.MAJOR_VERSION.invokeExact() + "." + (int) LibBpf.MINOR_VERSION.invokeExact());
    }

    /** @return true if the kernel accepts programs of this type (libbpf loads a trivial one) */
    public static boolean supportsProgramType(int progType) {
        int rc = BpfObject.call(() -> (int) LibBpf.PROBE_PROG_TYPE.invokeExact(progType, java.lang.foreign.MemorySegment.NULL));
        return Errors.check(rc, "probe program type " + progType) == 1;
    }

    /** @return true if the kernel can create maps of this type */
    public static boolean supportsMapType(MapType type) {
        int rc = BpfObject.call(() -> (int) LibBpf.PROBE_MAP_TYPE.invokeExact(type.id, java.lang.foreign.MemorySegment.NULL));
        return Errors.check(rc, "probe map type " + type) == 1;
    }
}
