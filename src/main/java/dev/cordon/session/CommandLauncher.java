package dev.cordon.session;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts the command inside the session cgroup. Java cannot fork, move the child, then exec, so
 * a two-line /bin/sh shim does it: it writes its own pid to cgroup.procs and only then execs the
 * command. Nothing of the command runs outside the cgroup; if the shim cannot enter it, it exits
 * 125 (cordon's own failure) without running the command.
 */
public final class CommandLauncher {
    public static final int EXIT_CANNOT_EXECUTE = 126;
    public static final int EXIT_NOT_FOUND = 127;

    /** Writes its pid to each cgroup.procs file before {@code --} (the session's cgroup2 one, then its limits' v1 ones), then execs. */
    static final String SHIM = "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || { echo \"cordon: cannot enter the session cgroup $1\" >&2; exit 125; }; "
            + "shift; done; shift; exec \"$@\"";

    /** How the command's stdio is connected; tests redirect, users inherit. */
    public record Stdio(ProcessBuilder.Redirect in, ProcessBuilder.Redirect out, ProcessBuilder.Redirect err) {
        public static final Stdio INHERIT =
                new Stdio(ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT);
    }

    /** Why a command cannot be started, with the exit code a shell would give. */
    public record Unrunnable(int exitCode, String message) {}

    private CommandLauncher() {}

    /** Checks the command the way execvp would, before anything is set up. */
    public static Optional<Unrunnable> check(String command, String pathEnv) {
        if (command.isEmpty()) return Optional.of(new Unrunnable(EXIT_NOT_FOUND, "empty command"));
        if (command.contains("/")) return checkFile(Path.of(command), command);
        Unrunnable firstFound = null;
        for (String dir : (pathEnv == null ? "/usr/local/bin:/usr/bin:/bin" : pathEnv).split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, command);
            if (!Files.exists(candidate)) continue;
            Optional<Unrunnable> problem = checkFile(candidate, command);
            if (problem.isEmpty()) return Optional.empty();
            if (firstFound == null) firstFound = problem.get();
        }
        return Optional.of(firstFound != null ? firstFound : new Unrunnable(EXIT_NOT_FOUND, command + ": command not found"));
    }

    private static Optional<Unrunnable> checkFile(Path p, String shown) {
        if (!Files.exists(p)) return Optional.of(new Unrunnable(EXIT_NOT_FOUND, shown + ": no such file"));
        if (Files.isDirectory(p)) return Optional.of(new Unrunnable(EXIT_CANNOT_EXECUTE, shown + ": is a directory"));
        if (!Files.isExecutable(p)) return Optional.of(new Unrunnable(EXIT_CANNOT_EXECUTE, shown + ": permission denied (not executable)"));
        return Optional.empty();
    }


    /**
     * @param wrapper an exec chain the shim runs the command through once it is in the cgroup
     *                (the containment: unshare, setpriv); each step must exec, never fork
     * @param env     variables to set for the command (HOME, USER, LOGNAME of --user)
     */
    public static Process start(List<String> wrapper, List<String> command, List<Path> cgroupProcs, Stdio stdio,
                                java.util.Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(argv(wrapper, command, cgroupProcs))
                .redirectInput(stdio.in()).redirectOutput(stdio.out()).redirectError(stdio.err());
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new CordonException("cannot start /bin/sh to launch the command: " + e.getMessage(), e);
        }
    }

    /** The shim's argv: it enters the cgroup, then execs wrapper + command. */
    static List<String> argv(List<String> wrapper, List<String> command, List<Path> cgroupProcs) {
        List<String> argv = new ArrayList<>(command.size() + wrapper.size() + cgroupProcs.size() + 5);
        argv.add("/bin/sh");
        argv.add("-c");
        argv.add(SHIM);
        argv.add("cordon-shim");
        for (Path p : cgroupProcs) argv.add(p.toString());
        argv.add("--");
        argv.addAll(wrapper);
        argv.addAll(command);
        return argv;
    }
}
