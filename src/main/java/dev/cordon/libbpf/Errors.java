package dev.cordon.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** errno to text through libbpf_strerror, which also knows libbpf's private codes. */
public final class Errors {
    private Errors() {}

    public static String describe(int errno) {
        try {
            LibBpfLoader.require();
        } catch (LibBpfLoader.LibBpfMissingException e) {
            return "errno " + errno;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            int rc = (int) LibBpf.STRERROR.handle().invokeExact(errno, buf, 256L);
            String text = buf.getString(0);
            return rc == 0 || !text.isEmpty() ? text : "unknown error";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** Throws when a libbpf int return is negative (-errno convention). */
    static int check(int rc, String operation) {
        if (rc < 0) throw new BpfException(operation, -rc);
        return rc;
    }

    /** Throws when a pointer return is NULL, with errno from the captured call state. */
    static MemorySegment check(MemorySegment ptr, MemorySegment capture, String operation) {
        if (ptr.equals(MemorySegment.NULL)) {
            int errno = LibBpf.errno(capture);
            throw new BpfException(operation, errno == 0 ? 22 /* EINVAL */ : errno);
        }
        return ptr;
    }
}
