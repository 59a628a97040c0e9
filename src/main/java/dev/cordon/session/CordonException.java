package dev.cordon.session;

/** cordon itself could not do its job; the message is one line for the user (exit 125). */
public class CordonException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CordonException(String message) {
        super(message);
    }

    public CordonException(String message, Throwable cause) {
        super(message, cause);
    }
}
