package dev.cordon.policy;

/** Bad policy input; the message is one line meant for the user. */
public class PolicyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public PolicyException(String message) {
        super(message);
    }
}
