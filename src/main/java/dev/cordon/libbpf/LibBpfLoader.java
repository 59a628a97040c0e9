package dev.cordon.libbpf;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;

/**
 * Checks that libbpf.so.1 can be loaded before anything initialises {@link LibBpf}. A failed
 * static initialiser makes every later use throw NoClassDefFoundError, which hides the reason;
 * this turns a missing library into the same clear exception every time.
 */
public final class LibBpfLoader {
    private LibBpfLoader() {}

    /** libbpf.so.1 is missing or unloadable. */
    public static final class LibBpfMissingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LibBpfMissingException(String message) {
            super(message);
        }
    }

    private static volatile Boolean present;

    public static void require() {
        Boolean p = present;
        if (p == null) {
            try {
                SymbolLookup.libraryLookup("libbpf.so.1", Arena.global());
                p = true;
            } catch (IllegalArgumentException e) {
                p = false;
            }
            present = p;
        }
        if (!p) throw new LibBpfMissingException("libbpf.so.1 not found; install Debian's libbpf1 (apt-get install -y libbpf1)");
    }
}
