package dev.cordon.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Native room for up to {@code capacity} datagrams of up to {@code size} bytes, with their peers'
 * addresses: filled by one recvmmsg(2), or by the caller and sent with one sendmmsg(2). One
 * system call per batch instead of one per datagram; nothing is allocated per datagram but the
 * copy a caller asks for. Used by one thread at a time.
 */
public final class DatagramBatch implements AutoCloseable {
    private static final int MSG_DONTWAIT = 0x40, MSG_TRUNC = 0x20;
    public static final int EAGAIN = 11, EINTR = 4, ECONNREFUSED = 111;
    /** struct mmsghdr: a msghdr (name, namelen, iov, iovlen, control, controllen, flags) and msg_len; 64 bytes on LP64. */
    private static final int MMSG = 64, NAME = 0, NAMELEN = 8, IOV = 16, IOVLEN = 24, CONTROL = 32, CONTROLLEN = 40,
            FLAGS = 48, LEN = 56, IOVEC = 16;
    // Linked when the class loads (the proxy's start): the loop calls them per batch, through constants.
    private static final MethodHandle RECVMMSG = UdpSocket.fn("recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS)).handle();
    private static final MethodHandle SENDMMSG = UdpSocket.fn("sendmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT)).handle();

    private final Arena arena;
    private final int capacity, size;
    private final MemorySegment headers, iovecs, names, buffers, capture;
    private int count;
    /** Slots the last receive wrote into: only their address lengths need setting back. */
    private int received;

    /** A batch for one thread, made once (it holds its memory until {@link #close}). */
    public DatagramBatch(int capacity, int size) {
        this(capacity, size, Arena.ofShared());
    }

    private DatagramBatch(int capacity, int size, Arena arena) {
        this.arena = arena;
        this.capacity = capacity;
        this.size = size;
        headers = arena.allocate((long) MMSG * capacity, 8);
        iovecs = arena.allocate((long) IOVEC * capacity, 8);
        names = arena.allocate((long) UdpSocket.SOCKADDR_SIZE * capacity, 8);
        buffers = arena.allocate((long) size * capacity, 8);
        capture = arena.allocate(UdpSocket.CAPTURE);
        // Pointers are written as addresses (longs on LP64): no segment object per datagram. Ready
        // to receive into; add() rewrites what a datagram to send needs.
        for (int i = 0; i < capacity; i++) {
            long h = (long) MMSG * i;
            iovecs.set(JAVA_LONG, (long) IOVEC * i, buffers.address() + (long) size * i);
            iovecs.set(JAVA_LONG, (long) IOVEC * i + 8, size);
            headers.set(JAVA_LONG, h + NAME, name(i));
            headers.set(JAVA_INT, h + NAMELEN, UdpSocket.SOCKADDR_SIZE);
            headers.set(JAVA_LONG, h + IOV, iovecs.address() + (long) IOVEC * i);
            headers.set(JAVA_LONG, h + IOVLEN, 1);
            headers.set(JAVA_LONG, h + CONTROL, 0);
            headers.set(JAVA_LONG, h + CONTROLLEN, 0);
        }
        received = capacity;
    }

    private long name(int i) {
        return names.address() + (long) UdpSocket.SOCKADDR_SIZE * i;
    }

    public int capacity() {
        return capacity;
    }

    /** Datagrams received, or added to send. */
    public int count() {
        return count;
    }

    /**
     * Reads what is waiting on {@code s}, up to the capacity, without waiting.
     *
     * @return how many datagrams arrived: 0 when none was waiting
     * @throws Libc.ErrnoException for an error the socket reports (ECONNREFUSED: a connected peer is not listening)
     */
    public int receive(UdpSocket s) throws Libc.ErrnoException {
        for (int i = 0; i < received; i++) headers.set(JAVA_INT, (long) MMSG * i + NAMELEN, UdpSocket.SOCKADDR_SIZE);
        received = 0;
        int n;
        try {
            n = (int) RECVMMSG.invokeExact(capture, s.fd(), headers, capacity, MSG_DONTWAIT, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (n < 0) {
            int errno = UdpSocket.errno(capture);
            count = 0;
            if (errno == EAGAIN || errno == EINTR) return 0;
            throw new Libc.ErrnoException("recvmmsg", errno);
        }
        count = received = n;
        return n;
    }

    public int length(int i) {
        return headers.get(JAVA_INT, (long) MMSG * i + LEN);
    }

    /** Whether datagram {@code i} was longer than the room for it (only its first {@code size} bytes are here). */
    public boolean truncated(int i) {
        return (headers.get(JAVA_INT, (long) MMSG * i + FLAGS) & MSG_TRUNC) != 0;
    }

    /** Datagram {@code i}'s bytes, copied. */
    public byte[] copy(int i) {
        int len = Math.min(length(i), size);
        byte[] out = new byte[len];
        MemorySegment.copy(buffers, JAVA_BYTE, (long) size * i, out, 0, len);
        return out;
    }

    /** The source port of datagram {@code i} (network order, at the same offset in sockaddr_in and sockaddr_in6). */
    public int peerPort(int i) {
        long at = (long) UdpSocket.SOCKADDR_SIZE * i;
        return ((names.get(JAVA_BYTE, at + 2) & 0xff) << 8) | (names.get(JAVA_BYTE, at + 3) & 0xff);
    }

    /** The peer's address of datagram {@code i} into {@code to} (28 bytes), to answer it later. */
    public void peer(int i, byte[] to) {
        MemorySegment.copy(names, JAVA_BYTE, (long) UdpSocket.SOCKADDR_SIZE * i, to, 0, UdpSocket.SOCKADDR_SIZE);
    }

    /**
     * Adds a datagram to send to {@code peer} (from {@link #peer}; null on a connected socket).
     *
     * @return false when the batch is full or the datagram too big for it: send, then add again
     */
    public boolean add(byte[] data, byte[] peer) {
        if (count == capacity || data.length > size) return false;
        long h = (long) MMSG * count;
        MemorySegment.copy(data, 0, buffers, JAVA_BYTE, (long) size * count, data.length);
        iovecs.set(JAVA_LONG, (long) IOVEC * count + 8, data.length);
        if (peer == null) {
            headers.set(JAVA_LONG, h + NAME, 0);
            headers.set(JAVA_INT, h + NAMELEN, 0);
        } else {
            MemorySegment.copy(peer, 0, names, JAVA_BYTE, (long) UdpSocket.SOCKADDR_SIZE * count, UdpSocket.SOCKADDR_SIZE);
            headers.set(JAVA_LONG, h + NAME, name(count));
            headers.set(JAVA_INT, h + NAMELEN, UdpSocket.sockaddrLength(peer));
        }
        headers.set(JAVA_INT, h + FLAGS, 0);
        count++;
        return true;
    }

    /**
     * Sends what was added, in order, then empties the batch. A datagram the kernel refuses is
     * skipped (UDP promises no delivery; the client asks again).
     *
     * @return how many datagrams went out
     */
    public int send(UdpSocket s) {
        int sent = 0;
        while (sent < count) {
            int n;
            try {
                n = (int) SENDMMSG.invokeExact(capture, s.fd(), headers.asSlice((long) MMSG * sent), count - sent, 0);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (n > 0) {
                sent += n;
            } else if (UdpSocket.errno(capture) != EINTR) {
                sent++; // the first of the rest failed (its own error, e.g. an address gone): skip it
            }
        }
        int done = count;
        count = 0;
        return done;
    }

    /** Sends one datagram on its own (too big for a batch, or from another thread than the batches'). */
    public static void sendOne(UdpSocket s, byte[] data, byte[] peer) {
        try (DatagramBatch one = new DatagramBatch(1, Math.max(1, data.length), Arena.ofConfined())) {
            one.add(data, peer);
            one.send(s);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
