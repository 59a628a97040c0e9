package dev.cordon.doctor;

import dev.cordon.dns.ResolvConf;
import dev.cordon.sys.Capabilities;
import dev.cordon.sys.Libc;
import dev.cordon.sys.LocalResolvers;
import dev.cordon.sys.MountTable;
import dev.cordon.sys.UtilLinux;

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

    boolean isDirectory(Path dir);

    /** net.ipv4.ping_group_range as the kernel prints it, e.g. {@code 1\t0} (closed) or {@code 0\t2147483647}. */
    String pingGroupRange() throws IOException;

    /** The local resolver daemons' sockets present here ({@link LocalResolvers#present}). */
    List<LocalResolvers.Endpoint> localResolvers();

    /** The nameservers of /etc/resolv.conf: cordon's upstreams when none are given. */
    List<java.net.InetAddress> nameservers() throws IOException;

    /** util-linux's tools found in the system directories ({@link UtilLinux#locate}). */
    java.util.Map<String, Path> utilLinux();

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
            public boolean isDirectory(Path dir) {
                return Files.isDirectory(dir);
            }

            @Override
            public String pingGroupRange() throws IOException {
                // One read: a numeric sysctl answers a read at a non-zero offset with EOF, and Files.readString
                // of a file whose size reads 0 gets only its first byte.
                try (var in = Files.newInputStream(Checks.PING_GROUP_RANGE)) {
                    return new String(in.readNBytes(256), java.nio.charset.StandardCharsets.US_ASCII).strip();
                }
            }

            @Override
            public List<LocalResolvers.Endpoint> localResolvers() {
                return LocalResolvers.present();
            }

            @Override
            public List<java.net.InetAddress> nameservers() throws IOException {
                return ResolvConf.nameservers(ResolvConf.SYSTEM).stream().map(java.net.InetSocketAddress::getAddress).toList();
            }

            @Override
            public java.util.Map<String, Path> utilLinux() {
                return UtilLinux.locate();
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
