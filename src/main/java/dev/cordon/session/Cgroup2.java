package dev.cordon.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the cgroup v2 hierarchy. Pure v2 mounts it at /sys/fs/cgroup, hybrid systems at
 * /sys/fs/cgroup/unified (or elsewhere), so we read the mount table instead of guessing.
 */
public final class Cgroup2 {
    private Cgroup2() {}

    public static Optional<Path> findMount() {
        try {
            return findMount(Files.readAllLines(Path.of("/proc/self/mounts")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static Optional<Path> findMount(List<String> mounts) {
        for (String line : mounts) {
            String[] f = line.split(" ");
            if (f.length >= 3 && f[2].equals("cgroup2")) return Optional.of(Path.of(unescape(f[1])));
        }
        return Optional.empty();
    }

    /** /proc/mounts escapes space, tab, newline and backslash as \ooo octal. */
    static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    public static Path requireMount() {
        return findMount().orElseThrow(() -> new CordonException(
                "no cgroup2 filesystem is mounted (see /proc/self/mounts); mount one with: mount -t cgroup2 none /sys/fs/cgroup/unified"));
    }
}
