package dev.cordon.session;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A tiny process outside the session that cleans up if cordon dies. It reads a pipe from cordon:
 * the line "done" means cordon cleaned up itself; end of file without it means cordon is gone
 * (SIGKILL, OOM, a JVM crash), and then it kills the session's cgroup, waits for it to empty,
 * removes it (children first: the command may have made its own) and only then the pins and the
 * record. If the cgroup does not empty it keeps the pins, so whatever is left stays guarded.
 *
 * <p>A guard's watchdog never kills: the processes were there before the guard. With
 * {@code --on-exit closed} it only says what stays (the pins keep the last policy in force);
 * with {@code release} it removes the pins and the record.
 *
 * <p>Its own session (setsid) and ignored INT/TERM/HUP keep a Ctrl-C or a hang-up meant for
 * cordon from taking it down too.
 */
final class Watchdog implements AutoCloseable {
    static final String SCRIPT = """
            trap '' INT TERM HUP QUIT PIPE
            IFS= read -r line
            [ "$line" = done ] && exit 0
            cg=$1 pins=$2 state=$3
            shift 3 # the rest: the v1 directories of its limits, empty once their processes are gone
            echo "cordon: watchdog: cordon is gone; killing its session ${cg##*/}" >&2
            if [ -d "$cg" ]; then
              echo 1 > "$cg/cgroup.kill" 2>/dev/null || for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
              i=0
              while grep -qx 'populated 1' "$cg/cgroup.events" 2>/dev/null; do
                i=$((i+1))
                if [ $i -gt 1000 ]; then
                  echo "cordon: watchdog: processes in $cg did not exit; its pins stay (the network stays closed): run cordon gc" >&2
                  exit 1
                fi
                sleep 0.01
              done
              i=0
              while [ -d "$cg" ] && [ $i -lt 500 ]; do
                find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
                i=$((i+1))
                [ -d "$cg" ] && sleep 0.01
              done
              [ -d "$cg" ] && echo "cordon: watchdog: cannot remove $cg: run cordon gc" >&2
            fi
            [ -d "$cg" ] || for d in "$@"; do rmdir "$d" 2>/dev/null; done
            rm -rf "$pins"
            rmdir "${pins%/*}" 2>/dev/null # the shared root, if this was the last session
            [ -d "$cg" ] || rm -f "$state"
            """;

    static final String GUARD_SCRIPT = """
            trap '' INT TERM HUP QUIT PIPE
            IFS= read -r line
            [ "$line" = done ] && exit 0
            cg=$1 pins=$2 state=$3 onexit=$4
            if [ "$onexit" = release ]; then
              rm -rf "$pins"
              rmdir "${pins%/*}" 2>/dev/null
              rm -f "$state"
              echo "cordon: watchdog: the guard of $cg is gone; released (--on-exit release): what runs there is no longer guarded" >&2
            else
              echo "cordon: watchdog: the guard of $cg is gone; its programs stay attached with the last policy (fail closed:" \
                "denied destinations stay denied, DNS is refused); cordon guard --release $cg or cordon gc removes them" >&2
            fi
            """;

    private final Process process;
    private final OutputStream pipe;

    private Watchdog(Process process) {
        this.process = process;
        this.pipe = process.getOutputStream();
    }

    static Watchdog start(Path cgroup, Path pinDir, Path recordFile, java.util.List<Path> limitDirs) {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(setsid(), "/bin/sh", "-c", SCRIPT, "cordon-watchdog",
                cgroup.toString(), pinDir.toString(), recordFile.toString()));
        for (Path d : limitDirs) argv.add(d.toString());
        return start(argv, "so a crash could leave the command behind; not running it");
    }

    static Watchdog startForGuard(Path guarded, Path pinDir, Path recordFile, SessionRecord.OnExit onExit) {
        return start(java.util.List.of(setsid(), "/bin/sh", "-c", GUARD_SCRIPT, "cordon-watchdog", guarded.toString(),
                pinDir.toString(), recordFile.toString(), onExit.label()), "so a crash would go unsaid; not guarding");
    }

    private static Watchdog start(java.util.List<String> argv, String consequence) {
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            return new Watchdog(pb.start());
        } catch (IOException e) {
            throw new CordonException("cannot start the watchdog (setsid /bin/sh), " + consequence + ": " + e.getMessage(), e);
        }
    }

    /** util-linux's setsid, by absolute path where it usually is: cordon's PATH is the user's. */
    private static String setsid() {
        for (String p : new String[] {"/usr/bin/setsid", "/bin/setsid"}) {
            if (java.nio.file.Files.isExecutable(Path.of(p))) return p;
        }
        return "setsid";
    }

    long pid() {
        return process.pid();
    }

    /** Tells the watchdog cordon cleaned up, and waits (bounded) for it to exit. */
    @Override
    public void close() throws IOException {
        try {
            pipe.write("done\n".getBytes(StandardCharsets.US_ASCII));
            pipe.close();
        } catch (IOException e) {
            if (process.isAlive()) throw new IOException("cannot tell the watchdog (pid " + pid() + ") the session ended: " + e, e);
            return;
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) throw new IOException("the watchdog (pid " + pid() + ") did not exit");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
