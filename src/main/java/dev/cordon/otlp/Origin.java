package dev.cordon.otlp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who sends: the resource attributes that name this cordon on a fleet.
 *
 * @param session       the session's name ({@code cordon-<pid>-<hex>}), for {@code cordon guard} too
 * @param guardedCgroup the cgroup {@code cordon guard} protects; null for {@code cordon run}
 * @param cordonVersion cordon's version
 * @param hostName      the host's name (the kernel's, as {@code uname -n}; no DNS lookup)
 */
public record Origin(String session, String guardedCgroup, String cordonVersion, String hostName) {
    private static final Path HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    /** The host's name as the kernel has it, or null when it cannot be read. */
    public static String kernelHostName() {
        try {
            String name = Files.readString(HOSTNAME).strip();
            return name.isEmpty() ? null : name;
        } catch (IOException e) {
            return null;
        }
    }
}
