package dev.cordon.libbpf;

/**
 * A libbpf or bpf(2) call failed. Carries the errno and libbpf's own description of it
 * (libbpf has codes 4000-4013 of its own that strerror(3) does not know).
 */
public final class BpfException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public BpfException(String operation, int errno) {
        super(operation + ": " + Errors.describe(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** The positive errno value (EPERM is 1). */
    public int errno() {
        return errno;
    }
}
