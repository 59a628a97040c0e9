package dev.cordon.policy.file;

/**
 * One finding in a policy file, at a 1-based line and column. Errors make the file unusable;
 * warnings (a duplicate or redundant rule) do not.
 */
public record PolicyProblem(int line, int column, Severity severity, String message) {
    public enum Severity {
        ERROR, WARNING;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static PolicyProblem error(int line, int column, String message) {
        return new PolicyProblem(line, column, Severity.ERROR, message);
    }

    public static PolicyProblem warning(int line, int column, String message) {
        return new PolicyProblem(line, column, Severity.WARNING, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code FILE:LINE:COL: error: message}, as compilers print it (not escaped: the caller escapes for a terminal). */
    public String format(String source) {
        return source + ":" + line + ":" + column + ": " + severity.label() + ": " + message;
    }
}
