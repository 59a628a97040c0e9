package dev.cordon.report.analysis;

import dev.cordon.report.model.ProcessNode;

/** How a process ended, in words: "exited 0", "failed (exit 6)", "killed (SIGKILL)". */
public final class Outcome {
    private Outcome() {}

    public static String of(ProcessNode p) {
        if (p.signal() != null) return "killed (" + signalName(p.signal()) + ")";
        if (p.exitCode() == null) return "no exit seen";
        return p.exitCode() == 0 ? "exited 0" : "failed (exit " + p.exitCode() + ")";
    }

    /** Whether it ended badly: a non-zero exit or a signal. */
    public static boolean failed(ProcessNode p) {
        return p.signal() != null || (p.exitCode() != null && p.exitCode() != 0);
    }

    public static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 6 -> "SIGABRT";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 14 -> "SIGALRM";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
    }

    /** A run's status as cordon exits with it: 128+N is signal N. */
    public static String ofStatus(int status) {
        if (status == 0) return "succeeded";
        if (status > 128 && status < 160) return "killed (" + signalName(status - 128) + ", exit " + status + ")";
        return "failed (exit " + status + ")";
    }
}
