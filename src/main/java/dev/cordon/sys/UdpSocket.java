package dev.cordon.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A UDP socket held by its file descriptor, for what the JDK's channels do not offer: many
 * datagrams per system call ({@link DatagramBatch}) and waiting on many sockets in one thread
 * ({@link Epoll}). Blocking for sends (a full send buffer holds the sender back, as a channel
 * does); receives never wait ({@code MSG_DONTWAIT}): {@link Epoll} says when to read.
 */
public final class UdpSocket implements AutoCloseable {
    static final int AF_INET = 2, AF_INET6 = 10;
    private static final int SOCK_DGRAM = 2, SOCK_CLOEXEC = 02000000, SOL_SOCKET = 1, SO_SNDBUF = 7, SO_RCVBUF = 8;
    private static final int SHUT_RDWR = 2;
    public static final int EADDRINUSE = 98;
    static final int SOCKADDR_SIZE = 28; // sockaddr_in6, the larger of the two

    private static final Linker LINKER = Linker.nativeLinker();
    static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VH = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static Downcall fn(String name, FunctionDescriptor fd) {
        return new Downcall(LINKER.defaultLookup().find(name).orElseThrow(), fd, ERRNO);
    }

    private static final Downcall SOCKET = fn("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Downcall BIND = fn("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall CONNECT = fn("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall GETSOCKNAME = fn("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final Downcall SETSOCKOPT = fn("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final Downcall SHUTDOWN = fn("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private final int fd;
    private final boolean ipv6;
    private volatile boolean closed;

    private UdpSocket(int fd, boolean ipv6) {
        this.fd = fd;
        this.ipv6 = ipv6;
    }

    public static UdpSocket open(boolean ipv6) throws Libc.ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            int fd = (int) SOCKET.handle().invokeExact(cap, ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) throw new Libc.ErrnoException("socket", errno(cap));
            return new UdpSocket(fd, ipv6);
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public int fd() {
        return fd;
    }

    public boolean ipv6() {
        return ipv6;
    }

    public void bind(InetAddress address, int port) throws Libc.ErrnoException {
        addressCall(BIND, "bind", new InetSocketAddress(address, port));
    }

    /** Only datagrams from {@code server} arrive; an ICMP "port unreachable" from it fails the next receive (ECONNREFUSED). */
    public void connect(InetSocketAddress server) throws Libc.ErrnoException {
        addressCall(CONNECT, "connect", server);
    }

    private void addressCall(Downcall call, String what, InetSocketAddress to) throws Libc.ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            MemorySegment sa = a.allocate(SOCKADDR_SIZE, 4);
            int len = sockaddr(sa, to);
            int rc = (int) call.handle().invokeExact(cap, fd, sa, len);
            if (rc != 0) throw new Libc.ErrnoException(what + " " + to, errno(cap));
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public int localPort() throws Libc.ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            MemorySegment sa = a.allocate(SOCKADDR_SIZE, 4);
            MemorySegment len = a.allocateFrom(JAVA_INT, SOCKADDR_SIZE);
            int rc = (int) GETSOCKNAME.handle().invokeExact(cap, fd, sa, len);
            if (rc != 0) throw new Libc.ErrnoException("getsockname", errno(cap));
            return port(sa);
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public void receiveBuffer(int bytes) throws Libc.ErrnoException {
        setInt(SO_RCVBUF, bytes, "SO_RCVBUF");
    }

    public void sendBuffer(int bytes) throws Libc.ErrnoException {
        setInt(SO_SNDBUF, bytes, "SO_SNDBUF");
    }

    private void setInt(int option, int value, String what) throws Libc.ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            int rc = (int) SETSOCKOPT.handle().invokeExact(cap, fd, SOL_SOCKET, option, a.allocateFrom(JAVA_INT, value), 4);
            if (rc != 0) throw new Libc.ErrnoException("setsockopt " + what, errno(cap));
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Wakes whatever waits on this socket ({@link Epoll} sees it readable, a receive returns nothing): how a loop is told to stop. */
    public void shutdown() {
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) SHUTDOWN.handle().invokeExact(a.allocate(CAPTURE), fd, SHUT_RDWR); // ENOTCONN for an unconnected one: it wakes all the same
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Idempotent. Only once nothing else uses the socket: a closed number may name another file at once. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Libc.close(fd);
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO_VH.get(capture, 0L);
    }

    /** Writes {@code to} as a sockaddr_in or sockaddr_in6 into {@code sa}. @return its length */
    static int sockaddr(MemorySegment sa, InetSocketAddress to) {
        sa.fill((byte) 0);
        byte[] ip = to.getAddress().getAddress();
        boolean v6 = ip.length == 16;
        sa.set(JAVA_SHORT, 0, (short) (v6 ? AF_INET6 : AF_INET));
        sa.set(JAVA_BYTE, 2, (byte) (to.getPort() >>> 8));
        sa.set(JAVA_BYTE, 3, (byte) to.getPort());
        MemorySegment.copy(MemorySegment.ofArray(ip), 0, sa, v6 ? 8 : 4, ip.length);
        return v6 ? 28 : 16;
    }

    /** The length of the sockaddr in {@code sa} by its family (a host-order short: its first byte on the little-endian machines cordon runs on). */
    static int sockaddrLength(byte[] sa) {
        return sa[0] == AF_INET6 ? 28 : 16;
    }

    /** The port of a sockaddr_in or sockaddr_in6 (the same offset in both). */
    static int port(MemorySegment sa) {
        return ((sa.get(JAVA_BYTE, 2) & 0xff) << 8) | (sa.get(JAVA_BYTE, 3) & 0xff);
    }
}
