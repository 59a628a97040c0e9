package dev.cordon.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An attachment. Closing destroys it: an unpinned link detaches when its last fd closes, so
 * whoever holds this object holds the attachment. Pinning keeps it past the process's death.
 */
public final class BpfLink implements AutoCloseable {
    private final MemorySegment link;
    private final String programName;
    private boolean closed;

    BpfLink(MemorySegment link, String programName) {
        this.link = link;
        this.programName = programName;
    }

    public String programName() {
        return programName;
    }

    public int fd() {
        return BpfObject.call(() -> (int) LibBpf.LINK_FD.handle().invokeExact(link));
    }

    /** Pins the link at a bpffs path, so it outlives this process. */
    public void pin(String path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(path);
            int rc = BpfObject.call(() -> (int) LibBpf.LINK_PIN.handle().invokeExact(link, p));
            Errors.check(rc, "pin link " + programName + " at " + path);
        }
    }

    public void unpin() {
        int rc = BpfObject.call(() -> (int) LibBpf.LINK_UNPIN.handle().invokeExact(link));
        Errors.check(rc, "unpin link " + programName);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        int rc = BpfObject.call(() -> (int) LibBpf.LINK_DESTROY.handle().invokeExact(link));
        Errors.check(rc, "destroy link " + programName);
    }
}
