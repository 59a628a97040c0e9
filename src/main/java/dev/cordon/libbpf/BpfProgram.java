package dev.cordon.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A program of a {@link BpfObject}; valid while the object is open. */
public final class BpfProgram {
    private final BpfObject owner;
    private final MemorySegment prog;

    BpfProgram(BpfObject owner, MemorySegment prog) {
        this.owner = owner;
        this.prog = prog;
    }

    public String name() {
        return BpfObject.cString(BpfObject.call(() -> (MemorySegment) LibBpf.PROGRAM_NAME.handle().invokeExact(prog)));
    }

    public String section() {
        return BpfObject.cString(BpfObject.call(() -> (MemorySegment) LibBpf.PROGRAM_SECTION.handle().invokeExact(prog)));
    }

    public int fd() {
        owner.ensureOpen();
        return BpfObject.call(() -> (int) LibBpf.PROGRAM_FD.handle().invokeExact(prog));
    }

    /**
     * Attaches to a cgroup as a bpf_link (BPF_LINK_CREATE): multi-attach semantics, no
     * override from descendants. The link detaches when it is closed and nothing pins it.
     */
    public BpfLink attachCgroup(int cgroupFd) {
        requireLoaded();
        MemorySegment capture = LibBpf.CAPTURE.get();
        MemorySegment link = BpfObject.call(
                () -> (MemorySegment) LibBpf.PROGRAM_ATTACH_CGROUP.handle().invokeExact(capture, prog, cgroupFd));
        Errors.check(link, capture, "attach " + name() + " to cgroup");
        return new BpfLink(link, name());
    }

    /** enum bpf_attach_type values for {@link #attachToMap}. */
    public enum MapAttach {
        /** An sk_msg program on a sockmap or sockhash: it sees every send of the sockets in the map. */
        SK_MSG_VERDICT(7);
        final int type;

        MapAttach(int type) {
            this.type = type;
        }
    }

    /**
     * Attaches to a map (BPF_PROG_ATTACH: kernels before 6.10 have no link for these). There is no
     * link to close or pin: the map holds the program until the map is freed, so whatever keeps
     * the map (the object, a pinned link of a program that uses it) keeps the attachment.
     */
    public void attachToMap(BpfMap map, MapAttach how) {
        requireLoaded();
        int fd = fd();
        int rc = BpfObject.call(() -> (int) LibBpf.PROG_ATTACH.handle().invokeExact(fd, map.fd(), how.type, 0));
        Errors.check(rc, "attach " + name() + " to map " + map.name());
    }

    /** Attaches by the program's section name (tracepoints and the like). */
    public BpfLink attach() {
        requireLoaded();
        MemorySegment capture = LibBpf.CAPTURE.get();
        MemorySegment link = BpfObject.call(
                () -> (MemorySegment) LibBpf.PROGRAM_ATTACH.handle().invokeExact(capture, prog));
        Errors.check(link, capture, "attach " + name());
        return new BpfLink(link, name());
    }

    /**
     * Attaches as a uprobe on every process that runs {@code binary} (pid -1), at
     * {@code fileOffset} (an offset in the file, not a virtual address), through the kernel's
     * uprobe PMU. {@code cookie} is what the program reads with bpf_get_attach_cookie (Linux 5.15).
     */
    public BpfLink attachUprobe(String binary, long fileOffset, long cookie) {
        requireLoaded();
        try (Arena a = Arena.ofConfined()) {
            // struct bpf_uprobe_opts { size_t sz; size_t ref_ctr_offset; __u64 bpf_cookie; bool retprobe;
            // const char *func_name; } in libbpf 1.x: 40 bytes, func_name NULL (attach at the offset).
            MemorySegment opts = a.allocate(UPROBE_OPTS_SIZE, 8);
            opts.set(ValueLayout.JAVA_LONG, 0, UPROBE_OPTS_SIZE);
            opts.set(ValueLayout.JAVA_LONG, 16, cookie);
            MemorySegment path = a.allocateFrom(binary);
            MemorySegment capture = LibBpf.CAPTURE.get();
            MemorySegment link = BpfObject.call(() -> (MemorySegment) LibBpf.PROGRAM_ATTACH_UPROBE_OPTS.handle()
                    .invokeExact(capture, prog, -1, path, fileOffset, opts));
            Errors.check(link, capture, "attach " + name() + " as a uprobe on " + binary + "+0x" + Long.toHexString(fileOffset));
            return new BpfLink(link, name());
        }
    }

    private static final long UPROBE_OPTS_SIZE = 40;

    private void requireLoaded() {
        owner.ensureOpen();
        if (!owner.isLoaded()) throw new IllegalStateException("load the object before attaching " + name());
    }
}
