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
 */
public final class ProcessTable {
    /** Where a command line came from, worst last. */
    public enum Source { EXEC, PROC, PARENT, COMM }

    /**
     * @param task the task the process ran in when the event was seen ({@link TaskNames}), or null when there are no tasks
     * @param exe  the file it runs, or null when cordon could not learn it
     */
    public record Attribution(int pid, int ppid, List<String> argv, Source source, String task, Executable exe) {
        /** An attribution without a task or an executable. */
        public Attribution(int pid, int ppid, List<String> argv, Source source) {
            this(pid, ppid, argv, source, null, null);
        }

        public String commandLine() {
            return String.join(" ", argv);
        }

        public Attribution withArgv(List<String> other) {
            return new Attribution(pid, ppid, other, source, task, exe);
        }

        public Attribution withExe(Executable other) {
            return new Attribution(pid, ppid, argv, source, task, other);
        }

        public Attribution withTask(String other) {
            return Objects.equals(task, other) ? this : new Attribution(pid, ppid, argv, source, other, exe);
        }
    }

    private final int capacity;
    private final Path proc;
    private final TaskNames tasks;
    /** Attributions without their task: that is looked up per event. */
    private final Map<Integer, Attribution> byPid;

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
        this.byPid = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, Attribution> eldest) {
                return size() > ProcessTable.this.capacity;
            }
        };
    }

    public synchronized void onExec(ExecEvent e) {
        int pid = e.process().pid();
        List<String> argv = e.argv().isEmpty() ? List.of(e.process().comm()) : e.argv();
        Executable exe = e.exe() != null ? e.exe() : readExe(pid); // the kernel could not read it: /proc, while it lives
        byPid.put(pid, new Attribution(pid, e.ppid(), argv, Source.EXEC, null, exe));
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

    /** The task {@code p} was in when the kernel saw it, or null when this table names no tasks. */
    public String task(ProcessRef p) {
        return tasks == null ? null : tasks.nameOf(p.cgroupId()); // outside this table's lock: it may walk the tree
    }

    private synchronized Attribution commandOf(ProcessRef p) {
        Attribution a = byPid.get(p.pid());
        if (a != null) return a;
        List<String> fromProc = readCmdline(p.pid());
        Executable exe = readExe(p.pid());
        a = fromProc.isEmpty()
                ? new Attribution(p.pid(), 0, List.of(p.comm()), Source.COMM, null, exe)
                : new Attribution(p.pid(), 0, fromProc, Source.PROC, null, exe);
        if (a.source() == Source.PROC) byPid.put(p.pid(), a);
        return a;
    }

    private synchronized Attribution commandOf(ProcessRef p, int ppid) {
        Attribution a = commandOf(p);
        if (a.source() != Source.COMM) return a;
        Attribution parent = byPid.get(ppid);
        if (parent == null || parent.source() == Source.COMM) return new Attribution(a.pid(), ppid, a.argv(), a.source(), null, a.exe());
        Executable exe = a.exe() != null ? a.exe() : parent.exe() == null ? null : parent.exe().from(Executable.Source.PARENT);
        return new Attribution(p.pid(), ppid, parent.argv(), Source.PARENT, null, exe);
    }

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
