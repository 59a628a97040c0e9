package dev.cordon.session;

import dev.cordon.sys.MountTable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the cgroup v2 hierarchy. Pure v2 mounts it at /sys/fs/cgroup, hybrid systems at
 * /sys/fs/cgroup/unified (or elsewhere), so we read the mount table instead of guessing, and take
 * the first cgroup2 mount a path lookup can really reach ({@link MountTable#visible}).
 */
public final class Cgroup2 {
    private Cgroup2() {}

    public static Optional<Path> findMount() {
        try {
            return MountTable.read().cgroup2().map(MountTable.Mount::path);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public static Path requireMount() {
        return findMount().orElseThrow(() -> new CordonException(
                "no cgroup2 filesystem is mounted (see /proc/self/mountinfo); mount one with: mount -t cgroup2 none /sys/fs/cgroup/unified"));
    }
}
