package dev.cordon.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A native function whose downcall handle is linked on first use. Linking spins classes and costs
 * about a millisecond per function at start-up; a {@code cordon run} calls fewer than half of the
 * functions bound. The symbol is looked up at once, so a missing one still fails at class
 * initialisation, as an eager binding would.
 */
public final class Downcall {
    private final MemorySegment symbol;
    private final FunctionDescriptor descriptor;
    private final Linker.Option[] options;
    private volatile MethodHandle handle;

    public Downcall(MemorySegment symbol, FunctionDescriptor descriptor, Linker.Option... options) {
        this.symbol = symbol;
        this.descriptor = descriptor;
        this.options = options;
    }

    /** The handle, for {@code invokeExact}; two threads racing here link it twice, harmlessly. */
    public MethodHandle handle() {
        MethodHandle h = handle;
        if (h == null) handle = h = Linker.nativeLinker().downcallHandle(symbol, descriptor, options);
        return h;
    }
}
