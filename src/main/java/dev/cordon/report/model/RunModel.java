package dev.cordon.report.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Everything a report shows about one run: the run, its processes as a tree (parents before
 * children in {@code processes}), and per process its attempts in time order.
 *
 * @param root            id of the root process, or -1 when no process was seen
 * @param droppedRecords  records a bounded recorder had no room for (the model is incomplete when > 0)
 * @param omittedAttempts attempts to destinations past a live recorder's cap on distinct destinations
 *                        (a flood of random names): counted, not kept
 */
public record RunModel(RunInfo run, List<ProcessNode> processes, int root, long droppedRecords, long omittedAttempts) {
    public RunModel {
        processes = List.copyOf(processes);
    }

    public RunModel(RunInfo run, List<ProcessNode> processes, int root, long droppedRecords) {
        this(run, processes, root, droppedRecords, 0);
    }

    public ProcessNode process(int id) {
        return processes.get(id);
    }

    public ProcessNode rootProcess() {
        return root < 0 ? null : processes.get(root);
    }

    /** Every attempt of the run in time order. */
    public List<Attempt> attempts() {
        List<Attempt> all = new ArrayList<>();
        for (ProcessNode p : processes) all.addAll(p.attempts());
        all.sort(Comparator.comparing(Attempt::time));
        return all;
    }

    /** When the process was first seen: its exec, else its first attempt. */
    public static Instant firstSeen(ProcessNode p) {
        if (p.execTime() != null) return p.execTime();
        return p.attempts().isEmpty() ? null : p.attempts().getFirst().time();
    }

    /** Whether any process or attempt names a task: a run of cordon guard, not of cordon run. */
    public boolean hasTasks() {
        for (ProcessNode p : processes) {
            if (p.task() != null) return true;
            for (Attempt a : p.attempts()) if (a.task() != null) return true;
        }
        return false;
    }

    /** Whether any process or attempt names the bash script line that started it. */
    public boolean hasScriptLines() {
        for (ProcessNode p : processes) {
            if (p.line() != null) return true;
            for (Attempt a : p.attempts()) if (a.line() != null) return true;
        }
        return false;
    }

    /**
     * Whether the tree should name {@code p}'s script line at {@code p}: it has one, and its parent
     * has none or another (a command that xargs or make started from that line inherits it).
     */
    public boolean startsAtLine(ProcessNode p) {
        if (p.line() == null) return false;
        return p.parent() < 0 || !p.line().equals(process(p.parent()).line());
    }

    /**
     * Whether the tree should name {@code p}'s task at {@code p}: it has one, and its parent runs in
     * another or has none (a deploy system's task starts below the process that started it).
     */
    public boolean entersTask(ProcessNode p) {
        if (p.task() == null) return false;
        return p.parent() < 0 || !p.task().equals(process(p.parent()).task());
    }

    /** Whether the command's result is known and a failure. */
    public boolean failed() {
        Integer s = run.exitStatus() != null ? run.exitStatus() : run.commandStatus();
        return s != null && s != 0;
    }
}
