package dev.cordon.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The compiled BPF objects shipped in the jar, built from {@code bpf/} by the Maven build:
 * {@code cordon.bpf.o}, the session's programs, {@code script_lines.bpf.o}, the bash script line
 * behind each exec, and {@code probes.bpf.o}, one tiny program per kernel feature, loaded one at a
 * time by {@code cordon doctor}.
 */
public final class KernelObjects {
    private KernelObjects() {}

    static final String SESSION = "cordon.bpf.o", SCRIPT_LINES = "script_lines.bpf.o", PROBES = "probes.bpf.o"; // dev/cordon/kernel/

    public static byte[] session() {
        return read(SESSION);
    }

    /** The uprobe that names the bash script line behind each exec, loaded beside the session's object. */
    public static byte[] scriptLines() {
        return read(SCRIPT_LINES);
    }

    public static byte[] probes() {
        return read(PROBES);
    }

    private static byte[] read(String resource) {
        try (InputStream in = KernelObjects.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException(resource + " is missing from the classpath; rebuild with mvn package");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
