package dev.cordon.policy;

/** What a violation does: {@code enforce} stops it, {@code audit} lets it through and reports it. */
public enum Mode {
    ENFORCE, AUDIT;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
