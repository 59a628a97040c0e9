package dev.cordon.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The few libc calls the JDK does not offer: directory fds, signals to a pid, process groups, mount, xattrs. */
public final class Libc {
    private Libc() {}

    public static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGTERM = 15;
    private static final int O_RDONLY = 0, O_DIRECTORY = 0200000, O_CLOEXEC = 02000000;
    private static final int ERANGE = 34, ENODATA = 61;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VH = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** Linked on first use ({@link Downcall}): a run calls only open and close before the command starts. */
    private static Downcall fn(String name, FunctionDescriptor fd, boolean errno) {
        MemorySegment sym = LINKER.defaultLookup().find(name).orElseThrow();
        return errno ? new Downcall(sym, fd, ERRNO) : new Downcall(sym, fd);
    }

    private static final Downcall OPEN = fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), true);
    private static final Downcall CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), false);
    private static final Downcall KILL = fn("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), true);
    private static final Downcall GETPGRP = fn("getpgrp", FunctionDescriptor.of(JAVA_INT), false);
    private static final Downcall TCGETPGRP = fn("tcgetpgrp", FunctionDescriptor.of(JAVA_INT, JAVA_INT), false);
    private static final Downcall GETEUID = fn("geteuid", FunctionDescriptor.of(JAVA_INT), false);
    private static final Downcall STRERROR = fn("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT), false);
    private static final Downcall PRCTL = new Downcall(LINKER.defaultLookup().find("prctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO, Linker.Option.firstVariadicArg(1));
    private static final int PR_SET_DUMPABLE = 4;
    private static final Downcall MOUNT = fn("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), true);
    private static final Downcall GETXATTR = fn("getxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG), true);

    /** A failed libc call, with errno. */
    public static final class ErrnoException extends java.io.IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        ErrnoException(String what, int errno) {
            super(what + ": " + strerror(errno));
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /** Opens a directory read-only (for a cgroup fd). The caller closes it with {@link #close}. */
    public static int openDirectory(String path) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            int fd = (int) OPEN.handle().invokeExact(cap, a.allocateFrom(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0) throw new ErrnoException("open " + path, (int) ERRNO_VH.get(cap, 0L));
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static void close(int fd) {
        try {
            int ignored = (int) CLOSE.handle().invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** kill(2). @return false if the process no longer exists */
    public static boolean kill(int pid, int signal) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            int rc = (int) KILL.handle().invokeExact(cap, pid, signal);
            if (rc == 0) return true;
            int errno = (int) ERRNO_VH.get(cap, 0L);
            if (errno == 3 /* ESRCH */) return false;
            throw new ErrnoException("kill " + pid, errno);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** mount(2) without flags, e.g. {@code mount("bpf", "/sys/fs/bpf", "bpf", "mode=0700")}. */
    public static void mount(String source, String target, String fsType, String data) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            int rc = (int) MOUNT.handle().invokeExact(cap, a.allocateFrom(source), a.allocateFrom(target), a.allocateFrom(fsType), 0L,
                    cStringOrNull(a, data));
            if (rc != 0) throw new ErrnoException("mount -t " + fsType + " " + source + " " + target, (int) ERRNO_VH.get(cap, 0L));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * getxattr(2), symlinks followed: the value of extended attribute {@code name} of {@code path},
     * or empty when the file has no such attribute (ENODATA). Asks the size first, then reads; a
     * value that grew in between (ERANGE) is asked again, a few times at most.
     */
    public static Optional<byte[]> getxattr(String path, String name) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            MemorySegment p = a.allocateFrom(path), n = a.allocateFrom(name);
            MemorySegment none = MemorySegment.NULL;
            for (int attempt = 0; attempt < 3; attempt++) {
                long size = (long) GETXATTR.handle().invokeExact(cap, p, n, none, 0L);
                if (size < 0) return noAttribute(cap, "getxattr " + name + " " + path);
                MemorySegment value = a.allocate(Math.max(size, 1));
                long got = (long) GETXATTR.handle().invokeExact(cap, p, n, value, size);
                if (got >= 0) return Optional.of(value.asSlice(0, got).toArray(JAVA_BYTE));
                if ((int) ERRNO_VH.get(cap, 0L) != ERANGE) return noAttribute(cap, "getxattr " + name + " " + path);
            }
            throw new ErrnoException("getxattr " + name + " " + path, ERANGE);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Empty for ENODATA (no such attribute); any other errno is thrown. */
    private static Optional<byte[]> noAttribute(MemorySegment capturedState, String what) throws ErrnoException {
        int errno = (int) ERRNO_VH.get(capturedState, 0L);
        if (errno == ENODATA) return Optional.empty();
        throw new ErrnoException(what, errno);
    }

    /**
     * A C string, or NULL for null. A method, not a conditional in the argument list: invokeExact
     * types each argument by its expression, and a conditional there is typed Object, which no
     * downcall handle accepts (DowncallCallSitesTest rejects any such call site).
     */
    static MemorySegment cStringOrNull(Arena a, String s) {
        return s == null ? MemorySegment.NULL : a.allocateFrom(s);
    }

    /**
     * Makes this process non-dumpable: ptrace, pidfd_getfd and /proc/PID/{mem,environ,fd...} then need
     * CAP_SYS_PTRACE, which the guarded command does not have, even when it runs as the same uid.
     */
    public static void setNotDumpable() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            int rc = (int) PRCTL.handle().invokeExact(cap, PR_SET_DUMPABLE, 0L);
            if (rc != 0) throw new ErrnoException("prctl(PR_SET_DUMPABLE, 0)", (int) ERRNO_VH.get(cap, 0L));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int getpgrp() {
        try {
            return (int) GETPGRP.handle().invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The terminal's foreground process group, or -1 if {@code fd} is not a terminal. */
    public static int tcgetpgrp(int fd) {
        try {
            return (int) TCGETPGRP.handle().invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int geteuid() {
        try {
            return (int) GETEUID.handle().invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) STRERROR.handle().invokeExact(errno);
            return p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
