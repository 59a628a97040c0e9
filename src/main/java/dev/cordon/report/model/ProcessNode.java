package dev.cordon.report.model;

import dev.cordon.events.ScriptLine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One process of the run. {@code id} indexes {@link RunModel#processes()}; a pid reused after an
 * exit gets a new node. {@code execTime} is null for a process only seen in attempts (a fork that
 * never exec'd); {@code parent} is -1 for the root. {@code task} is the task it was first seen in
 * ({@code cordon guard}), or null. {@code exe} is the file it ran (its last exec's, else what its
 * first attempt named), or null if unknown. {@code line} is the bash script line that started it, or null.
 */
public record ProcessNode(int id, int pid, int ppid, int parent, List<String> argv, String comm, String exe, String task,
                          ScriptLine line,
                          Instant execTime, Instant exitTime, Integer exitCode, Integer signal,
                          List<Attempt> attempts, List<Integer> children) {
    public ProcessNode {
        argv = List.copyOf(argv);
        attempts = List.copyOf(attempts);
        children = List.copyOf(children);
    }

    public String cmd() {
        return argv.isEmpty() ? (comm == null ? "?" : comm) : String.join(" ", argv);
    }

    public boolean exited() {
        return exitCode != null || signal != null;
    }

    /** From exec (or first sight) to exit; null if either end is unknown. */
    public Duration duration(Instant firstSeen) {
        Instant from = execTime != null ? execTime : firstSeen;
        if (from == null || exitTime == null || exitTime.isBefore(from)) return null;
        return Duration.between(from, exitTime);
    }
}
