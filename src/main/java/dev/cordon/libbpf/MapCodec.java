package dev.cordon.libbpf;

import java.lang.foreign.MemorySegment;

/** How a Java value is laid out as a map key or value. {@link #size()} must equal the map's. */
public interface MapCodec<T> {
    long size();

    void write(T value, MemorySegment target);

    T read(MemorySegment source);
}
