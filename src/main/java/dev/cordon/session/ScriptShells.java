package dev.cordon.session;

import dev.cordon.events.Escape;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.Executable;
import dev.cordon.events.ProcessTable;
import dev.cordon.kernel.EgressGuard;
import dev.cordon.kernel.ScriptLines;
import dev.cordon.kernel.ShellBinary;
import dev.cordon.libbpf.BpfException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The shells a session reads script lines from ({@link ScriptLines}): the bash binaries a script
 * is likely to run in, attached before the command starts ({@code /bin/bash}, {@code /usr/bin/bash},
 * every {@code bash} on $PATH, {@code /bin/sh} when it is bash, the interpreter of the command's
 * {@code #!} line), and any other shell binary a process of the session execs, looked at when its
 * exec is seen (a bash found there is attached then: commands it started before that have no line).
 *
 * <p>Where a script runs in a shell cordon cannot read (dash, a static bash, a version it does not
 * know, or a kernel that refused the probe), its commands get no line of it, never a guessed one:
 * they keep the line that started the script, if a bash script did. When none did, so that they get
 * no line at all, cordon says why, once per shell binary.
 */
final class ScriptShells implements AutoCloseable {
    /** File names of shells: a process running one of these is looked at (bash, sh, dash, ksh93, busybox, ...). */
    private static final Pattern SHELL_NAME = Pattern.compile("(r?bash.*|sh|dash|ash|k?sh\\d*|mksh|zsh.*|yash|posh|busybox.*)");
    /** Distinct binaries remembered; past this, exec'd files are no longer looked at. */
    private static final int MAX_SEEN = 1024;

    private final ScriptLines lines; // null: no probe (refused by the kernel, or turned off)
    private final String unavailable; // why there is no probe, or null
    private final PrintWriter err;
    /** A binary looked at: what it is (null: not a shell) and its name for people. */
    private record Seen(ShellBinary shell, String name) {}

    /** Every binary looked at, by file key ((dev, ino)). */
    private final Map<Object, Seen> seen = new HashMap<>();
    /** Display names of the attached binaries (one opened through /proc/PID/exe is named by what that points at). */
    private final Map<ShellBinary.Readable, String> names = new HashMap<>();
    private final Set<Object> said = new LinkedHashSet<>();
    private boolean finished;

    private ScriptShells(ScriptLines lines, String unavailable, PrintWriter err) {
        this.lines = lines;
        this.unavailable = unavailable;
        this.err = err;
    }

    /** No script lines at all (--no-script-lines): nothing is attached, looked at or said. */
    static ScriptShells off() {
        return new ScriptShells(null, null, null);
    }

    /**
     * Loads the probe beside the session's programs and attaches it to the likely bash binaries.
     * Never fails the session: without the probe it says why when a script runs, and goes on.
     *
     * @param pinDir  the session's pin directory, on bpffs (see {@link ScriptLines#close})
     * @param command the command cordon runs (its #! interpreter is a candidate), or empty for a guard
     */
    static ScriptShells start(EgressGuard kernel, Path pinDir, List<String> command, PrintWriter err) {
        ScriptShells shells;
        try {
            shells = new ScriptShells(ScriptLines.load(kernel, pinDir), null, err);
        } catch (BpfException e) {
            return new ScriptShells(null, "the kernel refused cordon's bash probe (" + e.getMessage()
                    + "; it needs a uprobe PMU and Linux 5.15 or later)", err);
        }
        for (Path p : candidates(command, System.getenv("PATH"))) {
            Object key = fileKey(p);
            if (key != null) shells.look(p, key, realName(p));
        }
        return shells;
    }

    /** Where a script's bash is likely to be: the usual paths, $PATH, /bin/sh, the command's #! interpreter. */
    static List<Path> candidates(List<String> command, String pathVar) {
        Set<Path> out = new LinkedHashSet<>(List.of(Path.of("/bin/bash"), Path.of("/usr/bin/bash"), Path.of("/bin/sh")));
        List<Path> dirs = new ArrayList<>();
        if (pathVar != null) for (String d : pathVar.split(":")) if (d.startsWith("/")) dirs.add(Path.of(d));
        for (Path d : dirs) out.add(d.resolve("bash"));
        if (!command.isEmpty()) {
            Path cmd = resolve(command.getFirst(), dirs);
            if (cmd != null) {
                out.add(cmd);
                interpreter(cmd, dirs).ifPresent(out::add);
            }
        }
        return out.stream().filter(Files::isRegularFile).toList();
    }

    /** A command name as execvp finds it: a path as given, else the first match on $PATH. */
    private static Path resolve(String name, List<Path> dirs) {
        if (name.contains("/")) return Path.of(name).toAbsolutePath();
        for (Path d : dirs) if (Files.isExecutable(d.resolve(name))) return d.resolve(name);
        return null;
    }

    /** The interpreter of a {@code #!} script ({@code #!/usr/bin/env bash} looks bash up on $PATH). */
    static Optional<Path> interpreter(Path script, List<Path> dirs) {
        byte[] head = new byte[256];
        int n;
        try (var in = Files.newInputStream(script)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            return Optional.empty();
        }
        String first = new String(head, 0, n, StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
        if (!first.startsWith("#!")) return Optional.empty();
        String[] words = first.substring(2).trim().split("\\s+");
        if (words.length == 0 || !words[0].startsWith("/")) return Optional.empty();
        if (words[0].endsWith("/env") && words.length > 1) {
            Path found = resolve(words[1], dirs);
            return Optional.ofNullable(found);
        }
        return Optional.of(Path.of(words[0]));
    }

    /**
     * A process of the session exec'd ({@code who}: its attribution as of that exec): if its binary is
     * a shell not looked at yet, look at it now (a readable bash is attached); if it is one cordon
     * cannot read and it runs a script that no script line started, say so once per binary. On the
     * event thread: nothing for an exec whose file, as the kernel named it, is not named like a shell
     * (most of them); else one stat of /proc/PID/exe, more only for a new shell binary.
     */
    void exec(ExecEvent e, ProcessTable.Attribution who) {
        if (err == null || !mayBeShell(e.exe())) return;
        Path exe = Path.of("/proc", Integer.toString(e.process().pid()), "exe");
        Object key = fileKey(exe);
        if (key == null) return; // already gone, or not ours to read
        Seen s;
        synchronized (this) {
            s = seen.get(key);
            if (s == null) {
                if (seen.size() >= MAX_SEEN) return;
                String name = realName(exe);
                Path file = name == null ? null : Path.of(name).getFileName();
                s = file != null && SHELL_NAME.matcher(file.toString()).matches() ? look(exe, key, name) : new Seen(null, name);
                seen.put(key, s);
            }
        }
        String script = script(e.argv());
        if (s.shell() == null || script == null || who.line() != null || !stillRuns(exe.getParent(), e)) return;
        String why = why(s.shell());
        if (why != null) {
            tellOnce(key, "cordon: no line= for the commands of " + Escape.visible(script) + ": " + Escape.visible(s.name()) + " " + why);
        }
    }

    /**
     * Whether an exec's file may be a shell: its name (the kernel's path, symlinks resolved, as
     * /proc/PID/exe would say it) is a shell's, or the kernel could not say it whole. The binary itself
     * is still opened through /proc/PID/exe: the path is the process's mount namespace's, not cordon's.
     */
    static boolean mayBeShell(Executable exe) {
        if (exe == null || exe.truncated()) return true;
        String path = exe.path().endsWith(Executable.DELETED)
                ? exe.path().substring(0, exe.path().length() - Executable.DELETED.length()) : exe.path();
        return SHELL_NAME.matcher(path.substring(path.lastIndexOf('/') + 1)).matches();
    }

    /** Looks at one binary (opened through {@code file}, named {@code name}) and attaches the probe if it is a readable bash. */
    private synchronized Seen look(Path file, Object key, String name) {
        Seen known = seen.get(key);
        if (known != null) return known;
        ShellBinary shell = ShellBinary.examine(file);
        Path fileName = name == null ? null : Path.of(name).getFileName();
        if (shell instanceof ShellBinary.Unreadable && (fileName == null || !SHELL_NAME.matcher(fileName.toString()).matches())) {
            shell = null; // not bash, and not named like a shell: a program, not a shell cordon should explain
        }
        if (shell instanceof ShellBinary.Readable r && lines != null) {
            try {
                lines.attach(r);
            } catch (BpfException | IllegalStateException e) {
                shell = new ShellBinary.Unreadable(file, "could not be probed: " + e.getMessage());
            }
        }
        Seen s = new Seen(shell, name == null ? file.toString() : name);
        seen.put(key, s);
        if (shell instanceof ShellBinary.Readable r && lines != null) names.put(r, s.name());
        return s;
    }

    /** Why a script in this shell gets no lines, or null when it does. */
    private String why(ShellBinary shell) {
        return switch (shell) {
            case ShellBinary.Unreadable u -> "cannot be read: " + u.why();
            case ShellBinary.Readable r -> lines == null ? "is bash " + r.version() + ", but " + unavailable : null;
        };
    }

    /** The script a shell's argv runs: its first operand, or null for -c (a command string) and none (stdin, interactive). */
    static String script(List<String> argv) {
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("--")) return i + 1 < argv.size() ? argv.get(i + 1) : null;
            if (a.startsWith("-") || a.startsWith("+")) {
                if (a.length() > 1 && a.charAt(0) == '-' && a.indexOf('c') > 0 && !a.startsWith("--")) return null; // -c, -ec
                if (a.equals("-o") || a.equals("+o") || a.equals("-O") || a.equals("+O")) i++; // an option's argument
                continue;
            }
            return a;
        }
        return null;
    }

    /**
     * Whether the process still runs what this exec started (its /proc cmdline is the event's argv):
     * the event is read after the fact, and by then the process may have exec'd again (cordon's own
     * chain: unshare execs sh), so /proc/PID/exe would name the next binary, not this exec's.
     */
    private static boolean stillRuns(Path procPid, ExecEvent e) {
        try {
            byte[] raw = Files.readAllBytes(procPid.resolve("cmdline"));
            List<String> now = ProcessTable.splitArgs(raw, raw.length);
            return e.truncated() ? String.join("\0", now).startsWith(String.join("\0", e.argv())) : now.equals(e.argv());
        } catch (IOException | RuntimeException x) {
            return false;
        }
    }

    /** The file a path leads to, symlinks followed (/proc/PID/exe: what it points at), for people; null if it cannot be read. */
    private static String realName(Path p) {
        try {
            if (p.startsWith("/proc")) {
                String target = Files.readSymbolicLink(p).toString();
                return target.endsWith(" (deleted)") ? target.substring(0, target.length() - " (deleted)".length()) : target;
            }
            return p.toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void tellOnce(Object key, String line) {
        synchronized (this) {
            if (!said.add(key)) return;
        }
        err.println(line);
        err.flush();
    }

    /**
     * Once no process of the session is left (nothing more can exec): says where lines could not be
     * read although the binary looked readable, and takes the probe off bash (without waiting for
     * the kernel: {@link ScriptLines#close}). Idempotent.
     */
    void finish() {
        if (lines == null || finished) return;
        finished = true;
        if (err != null) {
            for (String line : misreadNotices()) err.println(line);
            err.flush();
        }
        lines.close();
    }

    private synchronized List<String> misreadNotices() {
        List<String> out = new ArrayList<>();
        List<ShellBinary.Readable> attached = lines.shells();
        for (int i = 0; i < attached.size(); i++) {
            long n = lines.misreads(i);
            if (n == 0) continue;
            ShellBinary.Readable r = attached.get(i);
            String name = names.getOrDefault(r, r.path().toString());
            out.add("cordon: " + n + " command(s) started by " + Escape.visible(name) + " have no line=: its "
                    + "memory did not read as bash " + r.version() + " keeps $LINENO and BASH_SOURCE");
        }
        return out;
    }

    @Override
    public void close() {
        finish();
    }
}
