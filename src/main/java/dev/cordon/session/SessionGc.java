package dev.cordon.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * Finds and removes what sessions of dead cordon processes left: their cgroups (and the processes
 * in them, which still run with the pinned programs keeping their network closed), pins and
 * records. A session whose cordon still runs is left alone.
 *
 * <p>Order of cleaning matters as in a normal end: processes die first, the pins go only once the
 * cgroup is empty, so nothing of the command ever runs unguarded.
 */
public final class SessionGc {
    static final Duration KILL_WAIT = Duration.ofSeconds(10);
    static final Duration RMDIR_WAIT = Duration.ofSeconds(5);

    /**
     * A session to clean: the parts of it that exist, and why it is orphaned.
     *
     * @param cgroup  a run's cgroup, whose processes are killed and which is removed; null for a guard
     * @param guarded the cgroup a dead guard protected: never killed or removed, only released; null for a run
     */
    public record Leftover(String name, String why, Path cgroup, Path pinDir, Path recordFile, List<Path> limitDirs, Path guarded) {
        public Leftover {
            limitDirs = List.copyOf(limitDirs);
        }
    }

    /** What a scan found: sessions to clean, sessions left alone (with why), records that could not be read. */
    public record Scan(List<Leftover> orphans, List<String> live, List<String> notes) {}

    private final Path cgroupRoot;
    private final Path pinRoot;
    private final SessionRecords records;
    private final ProcessStart.Reader proc;

    /** @param cgroupRoot the cgroup2 mount, or null when none is mounted (pins and records are still collected) */
    public SessionGc(Path cgroupRoot, Path pinRoot, SessionRecords records, ProcessStart.Reader proc) {
        this.cgroupRoot = cgroupRoot;
        this.pinRoot = pinRoot;
        this.records = records;
        this.proc = proc;
    }

    /** This host: the cgroup2 mount (Cgroup2), /sys/fs/bpf/cordon, /run/cordon/sessions. */
    public static SessionGc live() {
        return new SessionGc(Cgroup2.findMount().orElse(null), PinDir.ROOT, new SessionRecords(SessionRecords.DEFAULT_DIR),
                ProcessStart.PROC);
    }

    public Scan scan() throws IOException {
        // Cgroups and pins before records: a session writes its record before making either, so a
        // cgroup seen here without a record really has none (or has just ended).
        TreeSet<String> names = new TreeSet<>();
        if (cgroupRoot != null) names.addAll(sessionDirs(cgroupRoot));
        names.addAll(sessionDirs(pinRoot));
        Map<String, SessionRecords.Loaded> recs = records.list();
        names.addAll(recs.keySet());

        List<Leftover> orphans = new ArrayList<>();
        List<String> live = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (String name : names) {
            SessionRecords.Loaded loaded = recs.get(name);
            Path cgroup = cgroupRoot == null ? null : cgroupRoot.resolve(name);
            Path pins = pinRoot.resolve(name);
            String why;
            List<Path> limitDirs = List.of();
            Path guarded = null;
            if (loaded != null && loaded.record() != null) {
                SessionRecord r = loaded.record();
                if (!r.pinDir().equals(pins) || (r.guard() == null && cgroup != null && !r.cgroup().equals(cgroup))) {
                    notes.add("session " + name + ": its record " + loaded.file() + " names " + r.cgroup() + " and " + r.pinDir()
                            + ", not where cordon puts them; not touching it");
                    continue;
                }
                if (r.ownerAlive(proc)) {
                    live.add("session " + name + ": cordon " + (r.guard() == null ? "" : "guard of " + r.cgroup() + " ")
                            + "(pid " + r.ownerPid() + ") is running; left alone");
                    continue;
                }
                why = "its cordon " + (r.guard() == null ? "" : "guard ") + "(pid " + r.ownerPid() + ") is gone";
                if (r.guard() != null) guarded = r.cgroup();
                limitDirs = r.limitDirs().stream().filter(Files::isDirectory).toList();
            } else {
                if (loaded != null) notes.add("session " + name + ": unreadable record " + loaded.file() + ": " + loaded.problem());
                long pid = ownerPidOf(name);
                if (proc.startTime(pid).isPresent()) {
                    live.add("session " + name + ": no record, but pid " + pid + " is running (a cordon still starting?); left alone");
                    continue;
                }
                why = (loaded == null ? "no record; " : "") + "cordon pid " + pid + " is gone";
            }
            orphans.add(new Leftover(name, why,
                    guarded == null && cgroup != null && Files.isDirectory(cgroup) ? cgroup : null,
                    Files.isDirectory(pins) ? pins : null,
                    loaded != null ? loaded.file() : null, limitDirs, guarded));
        }
        return new Scan(orphans, live, notes);
    }

    /**
     * {@code cordon guard --release}: removes the pins a dead guard of {@code guarded} left (its
     * processes keep running, unguarded from then on).
     *
     * @return one line per step done
     * @throws CordonException when a running cordon guards it, or no guard of it is on record
     */
    public List<String> releaseGuard(Path guarded) throws IOException {
        Map<String, SessionRecords.Loaded> recs = records.list();
        List<String> done = new ArrayList<>();
        for (SessionRecords.Loaded loaded : recs.values()) {
            SessionRecord r = loaded.record();
            if (r == null || r.guard() == null || !r.cgroup().equals(guarded)) continue;
            if (r.ownerAlive(proc)) {
                throw new CordonException(guarded + " is guarded by a running cordon (pid " + r.ownerPid() + "); stop it with "
                        + "kill -TERM " + r.ownerPid() + " (it detaches cleanly), --release is for a guard that died");
            }
            Path pins = pinRoot.resolve(r.name());
            done.addAll(clean(new Leftover(r.name(), "its cordon guard (pid " + r.ownerPid() + ") is gone", null,
                    Files.isDirectory(pins) ? pins : null, loaded.file(), List.of(), guarded)));
        }
        if (done.isEmpty()) throw new CordonException("no guard of " + guarded + " is on record in " + records.dir() + "; nothing to release");
        return done;
    }

    /** One line saying what {@link #clean} would do. */
    public static String describe(Leftover l) {
        List<String> steps = new ArrayList<>();
        if (l.cgroup() != null) steps.add("kill " + processCount(l.cgroup()) + " process(es) and remove cgroup " + l.cgroup());
        for (Path d : l.limitDirs()) steps.add("remove limit cgroup " + d);
        if (l.pinDir() != null) {
            steps.add("unpin " + PinDir.count(l.pinDir()) + " pin(s) in " + l.pinDir()
                    + (l.guarded() == null ? "" : " (releasing " + l.guarded() + ": what runs there is left running, unguarded)"));
        }
        if (l.recordFile() != null) steps.add("remove record " + l.recordFile());
        return "session " + l.name() + " (" + l.why() + "): " + String.join("; ", steps);
    }

    /**
     * Kills the session's processes, removes its cgroup (children first), then its pins and record.
     * @return one line per step done
     * @throws CordonException when a step fails; the pins stay while processes may remain
     */
    public List<String> clean(Leftover l) {
        List<String> done = new ArrayList<>();
        if (l.cgroup() != null && Files.isDirectory(l.cgroup())) {
            int killed = processCount(l.cgroup());
            killAndRemove(l.cgroup());
            done.add("killed " + killed + " process(es) and removed cgroup " + l.cgroup());
        }
        for (Path d : l.limitDirs()) { // their processes were the session's, gone with its cgroup
            if (!await(RMDIR_WAIT, () -> removeQuietly(d))) throw new CordonException("cannot remove cgroup " + d + " of session " + l.name());
            done.add("removed limit cgroup " + d);
        }
        try {
            if (l.pinDir() != null) {
                done.add("unpinned " + PinDir.remove(l.pinDir()) + " pin(s) and removed " + l.pinDir()
                        + (l.guarded() == null ? "" : " (released " + l.guarded() + ")"));
            }
            if (l.recordFile() != null && Files.deleteIfExists(l.recordFile())) done.add("removed record " + l.recordFile());
        } catch (IOException e) {
            throw new CordonException("cannot remove " + e.getMessage() + " of session " + l.name(), e);
        }
        return done;
    }

    static void killAndRemove(Path cgroup) {
        try {
            Files.writeString(cgroup.resolve("cgroup.kill"), "1", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            if (Files.isDirectory(cgroup)) throw new CordonException("cannot kill the processes in " + cgroup + ": " + e, e);
            return; // removed meanwhile (its watchdog, or the session ended)
        }
        if (!await(KILL_WAIT, () -> !populated(cgroup))) {
            throw new CordonException("processes in " + cgroup + " did not exit " + KILL_WAIT.toSeconds()
                    + " s after SIGKILL; its pins are kept so they stay cut off");
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.walk(cgroup)) {
            dirs = s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            if (!Files.exists(cgroup)) return;
            throw new CordonException("cannot list " + cgroup + ": " + e, e);
        }
        for (Path d : dirs) {
            // rmdir can briefly fail with EBUSY while the kernel finishes tearing the last task down.
            if (!await(RMDIR_WAIT, () -> {
                try {
                    Files.deleteIfExists(d);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            })) throw new CordonException("cannot remove cgroup " + d);
        }
    }

    private static boolean removeQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int processCount(Path cgroup) {
        int n = 0;
        try (Stream<Path> s = Files.walk(cgroup)) {
            for (Path procs : s.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
                n += (int) Files.readAllLines(procs).stream().filter(x -> !x.isBlank()).count();
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // gone while counting: the count is only for the message
        }
        return n;
    }

    static boolean populated(Path cgroup) {
        try {
            return Files.readAllLines(cgroup.resolve("cgroup.events")).contains("populated 1");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean await(Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMicros = 100;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) return false;
            LockSupport.parkNanos(pauseMicros * 1000);
            pauseMicros = Math.min(pauseMicros * 2, 20_000);
        }
        return true;
    }

    /** Directory names below {@code dir} that are session names. */
    static List<String> sessionDirs(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (SessionCgroup.NAME.matcher(n).matches() && Files.isDirectory(p)) out.add(n);
            }
        }
        return out;
    }

    static long ownerPidOf(String name) {
        Matcher m = SessionCgroup.NAME.matcher(name);
        if (!m.matches()) throw new IllegalArgumentException(name);
        return Long.parseLong(m.group(1));
    }
}
