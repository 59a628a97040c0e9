package dev.cordon.events;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Who is behind a pid. The kernel captures argv at exec, before a short-lived process can
 * exit, so that comes first; a process that never exec'd inside the session (a fork of a shell)
 * falls back to /proc/PID/cmdline while it still exists, then, where its parent is known, to the
 * command line it inherited from it, and last to the kernel's comm.
 * The file the process runs ({@link Executable}) is learned the same way: from the kernel at exec,
 * else from /proc/PID/exe at first sight, else from the parent a fork inherited it from.
 * Bounded: the least recently used entries go first.
 *
 * <p>With {@link TaskNames} (cordon guard), every attribution also names the task the process ran
 * in, from the cgroup id of the event at hand (a process may move between cgroups; its command
 * line stays). Without (cordon run), attributions have no task.
 *
 * <p>Each attribution also names the script line that started the process ({@link ScriptLine}):
 * the one bash reported right before the exec ({@link #onScriptLine}), reached from the line that
 * started that bash; else, for an exec that no bash script line announced (a command started by
 * xargs, make or a {@code bash -c} string), the line of the process it replaced (the same pid,
 * before this exec) or of its parent. A parent that never exec'd in the session (a subshell, a
 * pipeline's fork of bash) stands for the process it was forked from: its own parent is read from
 * /proc/PID/stat, up to {@link #MAX_FORKS} levels.
 */
public final class ProcessTable {
    /** Where a command line came from, worst last. */
    public enum Source { EXEC, PROC, PARENT, COMM }

    /**
     * @param task the task the process ran in when the event was seen ({@link TaskNames}), or null when there are no tasks
     * @param exe  the file it runs, or null when cordon could not learn it
     * @param line the script line that started the process, or null when no bash script led to it
     */
    public record Attribution(int pid, int ppid, List<String> argv, Source source, String task, Executable exe, ScriptLine line) {
        /** An attribution without a task, an executable or a script line. */
        public Attribution(int pid, int ppid, List<String> argv, Source source) {
            this(pid, ppid, argv, source, null, null, null);
        }

        /** An attribution without a script line. */
        public Attribution(int pid, int ppid, List<String> argv, Source source, String task, Executable exe) {
            this(pid, ppid, argv, source, task, exe, null);
        }

        public String commandLine() {
            return String.join(" ", argv);
        }

        public Attribution withArgv(List<String> other) {
            return new Attribution(pid, ppid, other, source, task, exe, line);
        }

        public Attribution withExe(Executable other) {
            return new Attribution(pid, ppid, argv, source, task, other, line);
        }

        public Attribution withTask(String other) {
            return Objects.equals(task, other) ? this : new Attribution(pid, ppid, argv, source, other, exe, line);
        }
    }

    private final int capacity;
    private final Path proc;
    private final TaskNames tasks;
    /** Attributions without their task: that is looked up per event. */
    private final Map<Integer, Attribution> byPid;
    /** The script line a bash announced for a pid, until that pid execs. */
    private final Map<Integer, ScriptLine> announced;
    /** Pids whose process ended: a later exec of the same pid is another process, which inherits nothing from it. */
    private final Map<Integer, Boolean> ended;
    /** Per pid: the comm of its last exec, and thread names found to run the same command line. */
    private final Map<Integer, java.util.Set<String>> names;

    /** Processes a session remembers (and exits the pump remembers): a host's default pid_max is 4 194 304, a session's far fewer. */
    public static final int SESSION_CAPACITY = 65_536;

    /** A table without tasks, for cordon run. */
    public ProcessTable(int capacity) {
        this(capacity, null);
    }

    /**
     * A table whose attributions name tasks: {@code new ProcessTable(SESSION_CAPACITY, new TaskNames(guardedDir))}.
     *
     * @param tasks names the task of a cgroup id, or null for a table without tasks
     */
    public ProcessTable(int capacity, TaskNames tasks) {
        this(capacity, tasks, Path.of("/proc"));
    }

    ProcessTable(int capacity, TaskNames tasks, Path proc) {
        this.capacity = capacity;
        this.tasks = tasks;
        this.proc = proc;
        this.byPid = bounded(capacity, true);
        this.announced = bounded(capacity, false);
        this.ended = bounded(capacity, false);
        this.names = bounded(capacity, false);
    }

    private static <V> Map<Integer, V> bounded(int capacity, boolean accessOrder) {
        return new LinkedHashMap<>(256, 0.75f, accessOrder) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, V> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized void onExec(ExecEvent e) {
        int pid = e.process().pid();
        names.put(pid, new java.util.HashSet<>(java.util.Set.of(e.process().comm())));
        List<String> argv = e.argv().isEmpty() ? List.of(e.process().comm()) : e.argv();
        Executable exe = e.exe() != null ? e.exe() : readExe(pid); // the kernel could not read it: /proc, while it lives
        byPid.put(pid, new Attribution(pid, e.ppid(), argv, Source.EXEC, null, exe, startingLine(pid, e.ppid())));
        ended.remove(pid);
    }

    /** A bash of the session is about to exec a command of this script line in {@code e.process()}. */
    public synchronized void onScriptLine(ScriptLineEvent e) {
        announced.put(e.process().pid(), e.line());
    }

    /** The process ended: what a bash announced for it and never exec'd is forgotten. */
    public synchronized void onExit(int pid) {
        announced.remove(pid);
        ended.put(pid, Boolean.TRUE);
    }

    /**
     * The line a bash announced for this exec, reached from the line that started that bash; else
     * the line of the program this exec replaces; else the parent's. The announcing bash is the
     * process itself when it exec'd in the session before (bash's {@code exec} builtin), else the
     * one it was forked from.
     */
    private ScriptLine startingLine(int pid, int ppid) {
        Attribution before = ended.containsKey(pid) ? null : byPid.get(pid);
        boolean execdBefore = before != null && before.source() == Source.EXEC;
        ScriptLine own = announced.remove(pid);
        if (own != null) return own.startedFrom(execdBefore ? before.line() : inheritedLine(ppid));
        return execdBefore ? before.line() : inheritedLine(ppid);
    }

    /** Forks of a fork of a shell looked through to find the process that exec'd. */
    static final int MAX_FORKS = 16;

    /**
     * The script line of the nearest process at or above {@code pid} that exec'd in the session:
     * the line a child of it inherits. A fork that never exec'd is looked through to its parent.
     */
    private ScriptLine inheritedLine(int pid) {
        for (int p = pid, i = 0; p > 0 && i < MAX_FORKS; i++) {
            Attribution a = ended.containsKey(p) ? null : byPid.get(p);
            if (a != null && a.source() == Source.EXEC) return a.line();
            p = parentOf(p);
        }
        return null;
    }

    /** The ppid field of /proc/PID/stat, or 0 when the process is gone. */
    private int parentOf(int pid) {
        try {
            String stat = Files.readString(proc.resolve(Integer.toString(pid)).resolve("stat"));
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 3); // state ppid ...
            return Integer.parseInt(after[1]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    public Attribution lookup(ProcessRef p) {
        return commandOf(p).withTask(task(p));
    }

    /**
     * {@link #lookup(ProcessRef)}, for a process whose parent the kernel named: one already gone
     * that never exec'd in the session is a fork running its parent's command line.
     */
    public Attribution lookup(ProcessRef p, int ppid) {
        return commandOf(p, ppid).withTask(task(p));
    }

    /**
     * What this table knows of {@code pid} (from its exec in the session, or an earlier lookup of
     * the kernel's), with the task of {@code cgroupId}; null when it knows nothing of it. Never reads
     * /proc: for a pid another cordon named, which must be one of this table's processes.
     */
    public Attribution known(int pid, long cgroupId) {
        Attribution a;
        synchronized (this) {
            a = byPid.get(pid);
        }
        return a == null ? null : a.withTask(tasks == null ? null : tasks.nameOf(cgroupId));
    }

    /** The task {@code p} was in when the kernel saw it, or null when this table names no tasks. */
    public String task(ProcessRef p) {
        return tasks == null ? null : tasks.nameOf(p.cgroupId()); // outside this table's lock: it may walk the tree
    }

    private synchronized Attribution commandOf(ProcessRef p) {
        Attribution a = byPid.get(p.pid());
        if (a != null && a.source() == Source.EXEC && !knownName(p, a)) {
            // Named otherwise than at its last exec the table knows: it may have exec'd again, its
            // event still in the ring buffer. While it lives, /proc says what it runs now.
            List<String> now = readCmdline(p.pid());
            if (!now.isEmpty() && !now.equals(a.argv())) {
                return new Attribution(p.pid(), a.ppid(), now, Source.PROC, null, readExe(p.pid()), a.line());
            }
            if (!now.isEmpty()) names.get(p.pid()).add(p.comm()); // a thread's own name: same command line
        }
        if (a != null) return a;
        List<String> fromProc = readCmdline(p.pid());
        Executable exe = readExe(p.pid());
        a = fromProc.isEmpty()
                ? new Attribution(p.pid(), 0, List.of(p.comm()), Source.COMM, null, exe)
                : new Attribution(p.pid(), 0, fromProc, Source.PROC, null, exe, inheritedLine(parentOf(p.pid())));
        if (a.source() == Source.PROC) byPid.put(p.pid(), a);
        return a;
    }

    private synchronized Attribution commandOf(ProcessRef p, int ppid) {
        Attribution a = commandOf(p);
        if (a.source() != Source.COMM) return a;
        Attribution parent = byPid.get(ppid);
        if (parent == null || parent.source() == Source.COMM) return new Attribution(a.pid(), ppid, a.argv(), a.source(), null, a.exe());
        Executable exe = a.exe() != null ? a.exe() : parent.exe() == null ? null : parent.exe().from(Executable.Source.PARENT);
        return new Attribution(p.pid(), ppid, parent.argv(), Source.PARENT, null, exe, parent.line());
    }

    /** The kernel named the sender as at its exec, or as one of its threads already checked against /proc. */
    private boolean knownName(ProcessRef p, Attribution a) {
        java.util.Set<String> known = names.get(p.pid());
        return known == null || known.contains(p.comm()) || known.size() >= MAX_NAMES;
    }

    /** Thread names checked per process, so a program naming many threads costs a few /proc reads, not one per event. */
    static final int MAX_NAMES = 32;

    /** /proc/PID/exe: the file the process runs now (a path like the kernel's at exec); null once it is gone. */
    private Executable readExe(int pid) {
        try {
            String target = Files.readSymbolicLink(proc.resolve(Integer.toString(pid)).resolve("exe")).toString();
            return target.isEmpty() ? null : new Executable(target, Executable.Source.PROC, false);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private List<String> readCmdline(int pid) {
        try {
            byte[] raw = Files.readAllBytes(proc.resolve(Integer.toString(pid)).resolve("cmdline"));
            return splitArgs(raw, raw.length);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** NUL-separated argv bytes to strings; a trailing NUL ends the last argument. */
    public static List<String> splitArgs(byte[] raw, int len) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (raw[i] == 0) {
                out.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < len) out.add(new String(raw, start, len - start, StandardCharsets.UTF_8));
        return out;
    }
}
