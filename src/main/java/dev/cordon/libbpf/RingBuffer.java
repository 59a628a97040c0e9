package dev.cordon.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A consumer of one BPF ring buffer map. The kernel side never blocks on it: when it is full,
 * records are dropped there. Poll from a platform thread (the callback is an FFM upcall).
 *
 * <p>The handler runs inside the upcall; an exception escaping an upcall would kill the JVM, so
 * every Throwable is caught, the first one is kept for {@link #firstFailure()}, and consumption
 * goes on.
 */
public final class RingBuffer implements AutoCloseable {
    /** Receives one record; {@code data} is valid only during the call. */
    @FunctionalInterface
    public interface Handler {
        void onRecord(MemorySegment data);
    }

    private static final int EINTR = 4;
    private static final MethodHandle SAMPLE;

    static {
        try {
            SAMPLE = MethodHandles.lookup().findVirtual(RingBuffer.class, "onSample",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Arena arena = Arena.ofShared();
    private final Handler handler;
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    private final MemorySegment rb;
    private volatile boolean closed;

    private RingBuffer(BpfMap map, Handler handler) {
        if (map.type() != MapType.RINGBUF) {
            throw new IllegalArgumentException(map.name() + " is a " + map.type() + " map, not a ring buffer");
        }
        this.handler = handler;
        try {
            MemorySegment stub = LibBpf.LINKER.upcallStub(SAMPLE.bindTo(this),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), arena);
            MemorySegment capture = LibBpf.CAPTURE.get();
            MemorySegment ptr = (MemorySegment) LibBpf.RING_BUFFER_NEW.handle().invokeExact(
                    capture, map.fd(), stub, MemorySegment.NULL, MemorySegment.NULL);
            this.rb = Errors.check(ptr, capture, "ring_buffer__new(" + map.name() + ")");
        } catch (Throwable t) {
            arena.close();
            throw LibBpf.rethrow(t);
        }
    }

    public static RingBuffer open(BpfMap map, Handler handler) {
        return new RingBuffer(map, handler);
    }

    /** Waits up to {@code timeout} for records and consumes them. @return records consumed */
    public int poll(Duration timeout) {
        int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        int rc = BpfObject.call(() -> (int) LibBpf.RING_BUFFER_POLL.handle().invokeExact(rb, ms));
        if (rc == -EINTR) return 0;
        return Errors.check(rc, "ring_buffer__poll");
    }

    /** Consumes whatever is there without waiting. @return records consumed */
    public int consume() {
        int rc = BpfObject.call(() -> (int) LibBpf.RING_BUFFER_CONSUME.handle().invokeExact(rb));
        return Errors.check(rc, "ring_buffer__consume");
    }

    /** The first exception a handler threw, if any (they are caught, never propagated into C). */
    public Optional<Throwable> firstFailure() {
        return Optional.ofNullable(firstFailure.get());
    }

    @SuppressWarnings("unused") // called from C through the upcall stub
    private int onSample(MemorySegment ctx, MemorySegment data, long size) {
        try {
            handler.onRecord(data.reinterpret(size));
        } catch (Throwable t) {
            firstFailure.compareAndSet(null, t);
        }
        return 0;
    }

    /** Frees the consumer. Do not call while another thread is inside {@link #poll}. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            LibBpf.RING_BUFFER_FREE.handle().invokeExact(rb);
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        } finally {
            arena.close();
        }
    }
}
