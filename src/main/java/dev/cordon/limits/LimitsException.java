package dev.cordon.limits;

/** A limit cannot be set on this host; the message says which and why, in one line for the user. */
public class LimitsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LimitsException(String message) {
        super(message);
    }

    public LimitsException(String message, Throwable cause) {
        super(message, cause);
    }
}
