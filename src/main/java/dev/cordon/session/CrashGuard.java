package dev.cordon.session;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * What keeps a session safe if cordon dies: its pin directory (links pinned there stay attached),
 * a watchdog (for a run it kills and removes the session; for a guard it keeps or releases the
 * pins, as --on-exit says) and a record for {@code cordon gc} should the watchdog die too. Armed
 * before the session's programs exist; closed after they are gone.
 */
final class CrashGuard implements AutoCloseable {
    private final String name;
    private final Path pinDir;
    private final SessionRecords records;
    private final Watchdog watchdog;
    private SessionRecord record;

    private CrashGuard(String name, Path pinDir, SessionRecords records, Watchdog watchdog) {
        this.name = name;
        this.pinDir = pinDir;
        this.records = records;
        this.watchdog = watchdog;
    }

    /** For cordon run. @param limitDirs the cgroup v1 directories the session's limits will make, removed with the session */
    static CrashGuard arm(Path cgroupRoot, String name, SessionRecords records, List<Path> limitDirs) {
        Path cgroup = cgroupRoot.resolve(name);
        return arm(name, records, pins -> Watchdog.start(cgroup, pins, records.fileOf(name), limitDirs),
                (pins, watchdogPid) -> SessionRecord.forThisProcess(name, cgroup, pins, watchdogPid, limitDirs, null));
    }

    /** For cordon guard of {@code guarded}: its watchdog never kills; {@code onExit} says whether a dead guard's pins stay. */
    static CrashGuard armGuard(String name, Path guarded, SessionRecord.OnExit onExit, SessionRecords records) {
        return arm(name, records, pins -> Watchdog.startForGuard(guarded, pins, records.fileOf(name), onExit),
                (pins, watchdogPid) -> SessionRecord.forThisProcess(name, guarded, pins, watchdogPid, List.of(),
                        new SessionRecord.GuardInfo(onExit, 0, "")));
    }

    private static CrashGuard arm(String name, SessionRecords records, Function<Path, Watchdog> startWatchdog,
                                  BiFunction<Path, Long, SessionRecord> recordOf) {
        // Pins first: a host where they cannot be made is refused before anything else exists.
        Path pins = PinDir.create(name);
        Watchdog watchdog;
        try {
            watchdog = startWatchdog.apply(pins);
        } catch (RuntimeException e) {
            removeQuietly(pins);
            throw e;
        }
        CrashGuard guard = new CrashGuard(name, pins, records, watchdog);
        try {
            guard.record = recordOf.apply(pins, watchdog.pid());
            records.write(guard.record);
        } catch (RuntimeException e) {
            try {
                guard.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return guard;
    }

    Path pinDir() {
        return pinDir;
    }

    /** A guard's record names its proxy's port and chain token once it listens, for guards of cgroups below. */
    void recordProxy(int port, String chainToken) {
        record = record.withProxy(port, chainToken);
        records.write(record);
    }

    /** After the links are unpinned (and a run's cgroup removed): the directory, the record, then the watchdog's "done". */
    @Override
    public void close() throws IOException {
        IOException first = null;
        try {
            PinDir.remove(pinDir);
        } catch (IOException e) {
            first = e;
        }
        try {
            records.remove(name);
        } catch (IOException e) {
            if (first == null) first = e;
        }
        try {
            watchdog.close();
        } catch (IOException e) {
            if (first == null) first = e;
        }
        if (first != null) throw first;
    }

    private static void removeQuietly(Path pins) {
        try {
            PinDir.remove(pins);
        } catch (IOException ignored) {
            // best effort on an error path
        }
    }
}
