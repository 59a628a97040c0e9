package dev.cordon.cli;

/** cordon's own exit codes. Otherwise `cordon run` exits with the command's status. */
public final class ExitCodes {
    private ExitCodes() {}

    public static final int OK = 0;
    /** cordon itself failed or was used wrongly (bad option, not root, no cgroup2, attach failed). */
    public static final int CORDON_FAILED = 125;
    /** The command was found but cannot be executed. */
    public static final int CANNOT_EXECUTE = 126;
    /** The command was not found. */
    public static final int NOT_FOUND = 127;
    /** `cordon doctor` found something that stops cordon from running. */
    public static final int DOCTOR_FAILED = 1;
    /** `cordon gc` could not clean a leftover session. */
    public static final int GC_FAILED = 1;
}
