package dev.cordon.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A sysctl set for one test and put back to exactly what it was, pass or fail:
 * <pre>{@code try (Sysctl s = Sysctl.set("net.ipv4.ping_group_range", Sysctl.PING_OPEN)) { ... }}</pre>
 * A test that needs a value sets it itself; none relies on what the host (or an earlier test) left.
 * Sysctls of the host's network namespace are the host's: restoring is not optional.
 */
final class Sysctl implements AutoCloseable {
    /** net.ipv4.ping_group_range letting every group open ping sockets (systemd's default on most distributions). */
    static final String PING_OPEN = "0 2147483647";
    /** net.ipv4.ping_group_range letting no group open them (the kernel's default). */
    static final String PING_CLOSED = "1 0";
    static final String PING_GROUP_RANGE = "net.ipv4.ping_group_range";

    private final Path file;
    private final String previous;
    private boolean restored;

    private Sysctl(Path file, String previous) {
        this.file = file;
        this.previous = previous;
    }

    /** Writes {@code value} to {@code name} (dotted, as sysctl(8) names it) and remembers the value it replaces. */
    static Sysctl set(String name, String value) {
        Path file = Path.of("/proc/sys", name.replace('.', '/'));
        String previous = read(file);
        Sysctl s = new Sysctl(file, previous);
        try {
            write(file, value);
            if (!normalized(read(file)).equals(normalized(value))) {
                throw new IllegalStateException(name + " reads " + read(file).strip() + " after writing " + value);
            }
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The value before {@link #set}, as the kernel printed it. */
    String previous() {
        return previous;
    }

    /** Puts the previous value back and checks that it reads the same again. */
    @Override
    public void close() {
        if (restored) return;
        write(file, previous.strip());
        String now = read(file);
        if (!now.equals(previous)) throw new IllegalStateException(file + " reads " + now.strip() + ", not " + previous.strip() + " as before the test");
        restored = true;
    }

    /**
     * One read(2): a sysctl file answers a read at an offset other than 0 with nothing, so
     * Files.readString, which reads a size-0 file in small steps, sees only its first byte.
     */
    private static String read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[4096];
            int n = in.read(buf);
            if (n <= 0 || n == buf.length) throw new IllegalStateException("cannot read " + file + " in one read: " + n + " bytes");
            return new String(buf, 0, n, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String value) {
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + value + " to " + file, e);
        }
    }

    /** The kernel prints vectors with tabs; sysctl(8) and tests write them with spaces. */
    private static String normalized(String value) {
        return value.strip().replaceAll("\\s+", " ");
    }
}
