package dev.cordon.report.model;

import dev.cordon.events.ScriptLine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects records in any order (the events file is in the order cordon learned of them, and an
 * outage record carries the time its wait started) and folds them into a {@link RunModel} in time
 * order, so a pid reused after an exit becomes a new process. Not thread-safe: callers synchronize.
 */
public final class RunModelBuilder {
    private sealed interface Rec permits ExecRec, ExitRec, AttemptRec {
        Instant time();
    }

    private record ExecRec(Instant time, int pid, int ppid, String comm, List<String> argv, String task, String exe,
                           ScriptLine line)
            implements Rec {}

    private record ExitRec(Instant time, int pid, int ppid, String comm, Integer exitCode, Integer signal, String task)
            implements Rec {}

    private record AttemptRec(Instant time, Attempt attempt, int ppid, List<String> argv, String comm) implements Rec {}

    private final List<Rec> records = new ArrayList<>();
    private RunInfo run = RunInfo.unknown();
    private long dropped;

    public int size() {
        return records.size();
    }

    public void runStart(Instant time, String cordonVersion, List<String> argv, String mode, String defaultAction,
                         String firewallMethod, String policy, List<OutageSpec> outages, Long outageWaitMs) {
        run = new RunInfo(cordonVersion, time, run.end(), argv, mode, defaultAction, firewallMethod, policy, outages,
                outageWaitMs, run.exitStatus(), run.commandStatus(), run.rootPid(), run.durationMs(), run.violations(),
                run.droppedEvents());
    }

    public void runEnd(Instant time, Integer exitStatus, Integer commandStatus, Integer rootPid, Long durationMs,
                       Long violations, Long droppedEvents) {
        run = new RunInfo(run.cordonVersion(), run.start(), time, run.argv(), run.mode(), run.defaultAction(),
                run.firewallMethod(), run.policy(), run.outages(), run.outageWaitMs(), exitStatus, commandStatus,
                rootPid, durationMs, violations, droppedEvents);
    }

    /**
     * @param task the task it exec'd in, or null
     * @param exe  the file it ran, or null if unknown
     * @param line the bash script line that started it, or null
     */
    public void exec(Instant time, int pid, int ppid, String comm, List<String> argv, String task, String exe, ScriptLine line) {
        records.add(new ExecRec(time, pid, ppid, comm, List.copyOf(argv), task, exe, line));
    }

    /** @param task the task it ended in, or null */
    public void exit(Instant time, int pid, int ppid, String comm, Integer exitCode, Integer signal, String task) {
        records.add(new ExitRec(time, pid, ppid, comm, exitCode, signal, task));
    }

    /** @param argv who made it, as attributed at the time (may be just comm) */
    public void attempt(Attempt attempt, int ppid, List<String> argv, String comm) {
        records.add(new AttemptRec(attempt.time(), attempt, ppid, List.copyOf(argv), comm));
    }

    /** Counts records a bounded collector had to drop. */
    public void dropped(long n) {
        dropped += n;
    }

    /** A process while the tree is built. */
    private static final class Node {
        final int id, pid;
        int ppid, parent = -1;
        List<String> argv = List.of();
        String comm, task, exe;
        ScriptLine line;
        Instant execTime, exitTime;
        Integer exitCode, signal;
        boolean ended;
        final List<Attempt> attempts = new ArrayList<>();
        final List<Integer> children = new ArrayList<>();

        Node(int id, int pid, int ppid) {
            this.id = id;
            this.pid = pid;
            this.ppid = ppid;
        }
    }

    public RunModel build() {
        List<Rec> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparing(Rec::time)); // stable: ties keep file order
        List<Node> nodes = new ArrayList<>();
        Map<Integer, Node> current = new HashMap<>();
        for (Rec r : sorted) {
            switch (r) {
                case ExecRec e -> {
                    Node n = node(nodes, current, e.pid(), e.ppid(), true);
                    if (n.execTime == null) n.execTime = e.time();
                    n.argv = e.argv().isEmpty() && e.comm() != null ? List.of(e.comm()) : e.argv();
                    n.comm = e.comm();
                    if (e.exe() != null) n.exe = e.exe();
                    if (n.task == null) n.task = e.task();
                    if (e.line() != null) n.line = e.line();
                }
                case ExitRec x -> {
                    Node n = node(nodes, current, x.pid(), x.ppid(), false);
                    n.exitTime = x.time();
                    n.exitCode = x.exitCode();
                    n.signal = x.signal();
                    n.ended = true;
                    if (n.comm == null) n.comm = x.comm();
                    if (n.argv.isEmpty() && x.comm() != null) n.argv = List.of(x.comm());
                    if (n.task == null) n.task = x.task();
                }
                case AttemptRec a -> {
                    Node n = node(nodes, current, a.attempt().pid(), a.ppid(), false);
                    if (n.argv.isEmpty()) n.argv = a.argv();
                    if (n.comm == null) n.comm = a.comm();
                    if (n.exe == null) n.exe = a.attempt().exe();
                    if (n.task == null) n.task = a.attempt().task();
                    if (n.line == null) n.line = a.attempt().line();
                    n.attempts.add(a.attempt());
                }
            }
        }
        int root = findRoot(nodes);
        for (Node n : nodes) {
            if (n.id == root) {
                n.parent = -1;
            } else if (root >= 0 && !reachesRoot(nodes, n, root)) {
                n.parent = root; // its parent is outside what we saw (or the data loops): hang it under the command
            }
        }
        for (Node n : nodes) if (n.parent >= 0) nodes.get(n.parent).children.add(n.id);
        return new RunModel(run, ordered(nodes, root), root, dropped);
    }

    /**
     * The live node for pid, or a new one: new when none exists or the last one exited (pid
     * reused), or when a second exec comes after the first one's node has ended.
     */
    private static Node node(List<Node> nodes, Map<Integer, Node> current, int pid, int ppid, boolean exec) {
        Node n = current.get(pid);
        if (n != null && !n.ended) {
            if (n.ppid <= 0 && ppid > 0) n.ppid = ppid;
            if (n.parent < 0 && ppid > 0) n.parent = parentOf(current, n, ppid);
            return n;
        }
        Node fresh = new Node(nodes.size(), pid, ppid);
        fresh.parent = ppid > 0 ? parentOf(current, fresh, ppid) : -1;
        nodes.add(fresh);
        current.put(pid, fresh);
        return fresh;
    }

    private static int parentOf(Map<Integer, Node> current, Node child, int ppid) {
        Node p = current.get(ppid);
        return p == null || p == child ? -1 : p.id;
    }

    private static boolean reachesRoot(List<Node> nodes, Node n, int root) {
        Node at = n;
        for (int steps = 0; steps <= nodes.size(); steps++) {
            if (at.parent < 0) return false;
            if (at.parent == root) return true;
            at = nodes.get(at.parent);
        }
        return false; // a loop
    }

    private int findRoot(List<Node> nodes) {
        if (nodes.isEmpty()) return -1;
        if (run.rootPid() != null) {
            for (Node n : nodes) if (n.pid == run.rootPid()) return n.id;
        }
        for (Node n : nodes) if (n.parent < 0 && n.execTime != null) return n.id;
        return nodes.getFirst().id;
    }

    /** Renumbers depth-first from the root, so parents come before children and ids are list indexes. */
    private static List<ProcessNode> ordered(List<Node> nodes, int root) {
        if (root < 0) return List.of();
        int[] newId = new int[nodes.size()];
        java.util.Arrays.fill(newId, -1);
        List<Node> order = new ArrayList<>(nodes.size());
        java.util.ArrayDeque<Node> stack = new java.util.ArrayDeque<>();
        stack.push(nodes.get(root));
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (newId[n.id] >= 0) continue;
            newId[n.id] = order.size();
            order.add(n);
            List<Integer> kids = n.children;
            for (int i = kids.size() - 1; i >= 0; i--) stack.push(nodes.get(kids.get(i)));
        }
        List<ProcessNode> out = new ArrayList<>(order.size());
        for (Node n : order) {
            List<Integer> kids = new ArrayList<>(n.children.size());
            for (int k : n.children) if (newId[k] >= 0) kids.add(newId[k]);
            out.add(new ProcessNode(newId[n.id], n.pid, n.ppid, n.parent < 0 ? -1 : newId[n.parent], n.argv, n.comm, n.exe, n.task,
                    n.line,
                    n.execTime, n.exitTime, n.exitCode, n.signal, n.attempts, kids));
        }
        return out;
    }
}
