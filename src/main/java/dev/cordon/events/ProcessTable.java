package dev.cordon.events;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who is behind a pid. The kernel captures argv at exec, before a short-lived process can
 * exit, so that comes first; a process that never exec'd inside the session (a fork of a shell)
 * falls back to /proc/PID/cmdline while it still exists, then, where its parent is known, to the
 * command line it inherited from it, and last to the kernel's comm.
 * Bounded: the least recently used entries go first.
 */
public final class ProcessTable {
    /** Where a command line came from, worst last. */
    public enum Source { EXEC, PROC, PARENT, COMM }

    public record Attribution(int pid, int ppid, List<String> argv, Source source) {
        public String commandLine() {
            return String.join(" ", argv);
        }
    }

    private final int capacity;
    private final Path proc;
    private final Map<Integer, Attribution> byPid;

    public ProcessTable(int capacity) {
        this(capacity, Path.of("/proc"));
    }

    ProcessTable(int capacity, Path proc) {
        this.capacity = capacity;
        this.proc = proc;
        this.byPid = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, Attribution> eldest) {
                return size() > ProcessTable.this.capacity;
            }
        };
    }

    public synchronized void onExec(ExecEvent e) {
        List<String> argv = e.argv().isEmpty() ? List.of(e.process().comm()) : e.argv();
        byPid.put(e.process().pid(), new Attribution(e.process().pid(), e.ppid(), argv, Source.EXEC));
    }

    public synchronized Attribution lookup(ProcessRef p) {
        Attribution a = byPid.get(p.pid());
        if (a != null) return a;
        List<String> fromProc = readCmdline(p.pid());
        a = fromProc.isEmpty()
                ? new Attribution(p.pid(), 0, List.of(p.comm()), Source.COMM)
                : new Attribution(p.pid(), 0, fromProc, Source.PROC);
        if (a.source() == Source.PROC) byPid.put(p.pid(), a);
        return a;
    }

    /**
     * {@link #lookup(ProcessRef)}, for a process whose parent the kernel named: one already gone
     * that never exec'd in the session is a fork running its parent's command line.
     */
    public synchronized Attribution lookup(ProcessRef p, int ppid) {
        Attribution a = lookup(p);
        if (a.source() != Source.COMM) return a;
        Attribution parent = byPid.get(ppid);
        if (parent == null || parent.source() == Source.COMM) return new Attribution(a.pid(), ppid, a.argv(), a.source());
        return new Attribution(p.pid(), ppid, parent.argv(), Source.PARENT);
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
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
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
