package dev.cordon.policy;

/**
 * How loopback (127.0.0.0/8, ::1) is treated: {@code ALLOW} adds an implicit allow that any rule
 * naming loopback overrides; {@code RULES} treats it like any other address (rules, then default).
 */
public enum Loopback {
    ALLOW, RULES;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
