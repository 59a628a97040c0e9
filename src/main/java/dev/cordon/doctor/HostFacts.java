package dev.cordon.doctor;

import dev.cordon.sys.Capabilities;
import dev.cordon.sys.Libc;
import dev.cordon.sys.MountTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the doctor reads from /proc, /sys and the JVM: the seam unit tests replace with fixed values.
 * Methods may throw; the check that asked becomes a FAIL row.
 */
public interface HostFacts {
    /** As {@code uname -r} prints it, e.g. {@code 6.18.44-fc-v595}. */
    String kernelRelease() throws IOException;

    /** The lines of /proc/self/mountinfo (tests may give /proc/mounts lines; {@link MountTable} reads both). */
    List<String> mounts() throws IOException;

    int euid();

    /** The effective capability set as a bit mask (bit N is capability N, as in CapEff). */
    long effectiveCapabilities();

    boolean isReadableFile(Path file);

    long size(Path file) throws IOException;

    Runtime.Version jdkVersion();

    String jdkVendor();

    /** This machine, this process. */
    static HostFacts live() {
        return new HostFacts() {
            @Override
            public String kernelRelease() throws IOException {
                return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
            }

            @Override
            public List<String> mounts() throws IOException {
                return Files.readAllLines(MountTable.MOUNTINFO);
            }

            @Override
            public int euid() {
                return Libc.geteuid();
            }

            @Override
            public long effectiveCapabilities() {
                // Capabilities reads CapEff; ask it bit by bit rather than parse /proc/self/status twice.
                Capabilities caps = Capabilities.current();
                long mask = 0;
                for (int cap = 0; cap < 64; cap++) if (caps.has(cap)) mask |= 1L << cap;
                return mask;
            }

            @Override
            public boolean isReadableFile(Path file) {
                return Files.isRegularFile(file) && Files.isReadable(file);
            }

            @Override
            public long size(Path file) throws IOException {
                return Files.size(file);
            }

            @Override
            public Runtime.Version jdkVersion() {
                return Runtime.version();
            }

            @Override
            public String jdkVendor() {
                return System.getProperty("java.vendor", "unknown vendor");
            }
        };
    }
}
