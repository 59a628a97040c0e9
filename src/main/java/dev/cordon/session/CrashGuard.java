package dev.cordon.session;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What keeps a session safe if cordon dies: its pin directory (links pinned there stay attached),
 * a watchdog that kills and removes the session, and a record for {@code cordon gc} should the
 * watchdog die too. Armed before the session's cgroup exists; closed after it is gone.
 */
final class CrashGuard implements AutoCloseable {
    private final String name;
    private final Path pinDir;
    private final SessionRecords records;
    private final Watchdog watchdog;

    private CrashGuard(String name, Path pinDir, SessionRecords records, Watchdog watchdog) {
        this.name = name;
        this.pinDir = pinDir;
        this.records = records;
        this.watchdog = watchdog;
    }

    /** @param limitDirs the cgroup v1 directories the session's limits will make, removed with the session */
    static CrashGuard arm(Path cgroupRoot, String name, SessionRecords records, java.util.List<Path> limitDirs) {
        // Pins first: a host where they cannot be made is refused before anything else exists.
        Path pins = PinDir.create(name);
        Watchdog watchdog;
        try {
            watchdog = Watchdog.start(cgroupRoot.resolve(name), pins, records.fileOf(name), limitDirs);
        } catch (RuntimeException e) {
            removeQuietly(pins);
            throw e;
        }
        CrashGuard guard = new CrashGuard(name, pins, records, watchdog);
        try {
            records.write(SessionRecord.forThisProcess(name, cgroupRoot.resolve(name), pins, watchdog.pid(), limitDirs));
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

    /** After the links are unpinned and the cgroup removed: the directory, the record, then the watchdog's "done". */
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
