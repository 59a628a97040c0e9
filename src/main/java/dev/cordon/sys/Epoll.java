package dev.cordon.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * One thread waiting on many sockets at once (epoll(7)): each file descriptor is added with a
 * token, and {@link #await} says which tokens are ready to read. Used by one thread; {@link
 * UdpSocket#shutdown} on a watched socket wakes it.
 */
public final class Epoll implements AutoCloseable {
    private static final int EPOLLIN = 0x1, EPOLL_CTL_ADD = 1, EPOLL_CLOEXEC = 02000000;
    /** struct epoll_event is packed on x86-64 (12 bytes, data at 4), naturally aligned elsewhere (16, data at 8). */
    private static final boolean PACKED = System.getProperty("os.arch").matches("amd64|x86_64");
    private static final int EVENT = PACKED ? 12 : 16, DATA = PACKED ? 4 : 8;

    private static final Downcall CREATE = UdpSocket.fn("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final Downcall CTL = UdpSocket.fn("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle WAIT = UdpSocket.fn("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT)).handle();

    private final Arena arena = Arena.ofShared();
    private final int fd, maxEvents;
    private final MemorySegment events, capture;

    public Epoll(int maxEvents) throws Libc.ErrnoException {
        this.maxEvents = maxEvents;
        this.events = arena.allocate((long) EVENT * maxEvents, 8);
        this.capture = arena.allocate(UdpSocket.CAPTURE);
        int rc;
        try {
            rc = (int) CREATE.handle().invokeExact(capture, EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc < 0) {
            arena.close();
            throw new Libc.ErrnoException("epoll_create1", UdpSocket.errno(capture));
        }
        this.fd = rc;
    }

    /** Watches {@code socketFd} for data to read; {@link #token} gives back {@code token} when it has some. */
    public void add(int socketFd, long token) throws Libc.ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = a.allocate(16, 8);
            ev.set(JAVA_INT, 0, EPOLLIN);
            ev.set(JAVA_LONG_UNALIGNED, DATA, token);
            MemorySegment cap = a.allocate(UdpSocket.CAPTURE);
            int rc = (int) CTL.handle().invokeExact(cap, fd, EPOLL_CTL_ADD, socketFd, ev);
            if (rc != 0) throw new Libc.ErrnoException("epoll_ctl", UdpSocket.errno(cap));
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Waits until a watched socket can be read, or {@code timeoutMs} (-1: no limit).
     *
     * @return how many are ready (0 on timeout or a signal)
     */
    public int await(int timeoutMs) throws Libc.ErrnoException {
        int n;
        try {
            n = (int) WAIT.invokeExact(capture, fd, events, maxEvents, timeoutMs);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (n >= 0) return n;
        int errno = UdpSocket.errno(capture);
        if (errno == DatagramBatch.EINTR) return 0;
        throw new Libc.ErrnoException("epoll_wait", errno);
    }

    /** The token of the {@code i}th ready socket of the last {@link #await}. */
    public long token(int i) {
        return events.get(JAVA_LONG_UNALIGNED, (long) EVENT * i + DATA);
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
