package dev.cordon.policy;

/** What a rule or the default says about a destination. */
public enum Action {
    ALLOW, DENY;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
