package dev.cordon.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.BiConsumer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Routes libbpf's printf-style log (including verifier output) to a Java sink instead of
 * stderr. libbpf hands us a format and a va_list; vsnprintf(3) formats it, since on x86-64 and
 * arm64 a va_list parameter is passed as a pointer.
 */
public final class LibBpfLog {
    /** libbpf_print_level. */
    public enum Level { WARN, INFO, DEBUG }

    private static volatile BiConsumer<Level, String> sink = (level, line) -> {};
    private static boolean quieted;      // libbpf prints nothing (no sink set yet)
    private static boolean upcallRouted; // libbpf prints through print(), to the sink
    private static final int BUF = 2048;
    private static MethodHandle vsnprintf;

    private LibBpfLog() {}

    /** Where libbpf's messages go; the default discards them. */
    public static void setSink(BiConsumer<Level, String> newSink) {
        sink = newSink;
        routeToSink();
    }

    /**
     * Before the first libbpf call that may log: without a sink, libbpf is told to print nothing
     * (libbpf_set_print(NULL)) rather than to call back for each of its ~400 debug lines per load,
     * which cost more start-up time than anything else in opening the object.
     */
    static synchronized void installOnce() {
        if (quieted || upcallRouted) return;
        LibBpfLoader.require();
        try {
            MemorySegment ignored = (MemorySegment) LibBpf.SET_PRINT.handle().invokeExact(MemorySegment.NULL);
            quieted = true;
        } catch (Error | RuntimeException e) {
            throw e; // not LibBpf.rethrow: if LibBpf failed to initialise, touching it again hides why
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static synchronized void routeToSink() {
        if (upcallRouted) return;
        LibBpfLoader.require();
        try {
            Linker linker = LibBpf.LINKER;
            vsnprintf = linker.downcallHandle(linker.defaultLookup().find("vsnprintf").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
            MethodHandle target = MethodHandles.lookup().findStatic(LibBpfLog.class, "print",
                    MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            MemorySegment stub = linker.upcallStub(target,
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
            MemorySegment ignored = (MemorySegment) LibBpf.SET_PRINT.handle().invokeExact(stub);
            upcallRouted = true;
        } catch (Error | RuntimeException e) {
            throw e; // not LibBpf.rethrow: if LibBpf failed to initialise, touching it again hides why
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @SuppressWarnings("unused") // upcall from libbpf
    private static int print(int level, MemorySegment format, MemorySegment args) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(BUF);
            int n = (int) vsnprintf.invokeExact(buf, (long) BUF, format, args);
            if (n < 0) return 0;
            String text = buf.getString(0).stripTrailing();
            if (!text.isEmpty()) {
                Level l = level <= 0 ? Level.WARN : level == 1 ? Level.INFO : Level.DEBUG;
                sink.accept(l, text);
            }
            return n;
        } catch (Throwable t) {
            return 0; // never let an exception escape into C
        }
    }
}
