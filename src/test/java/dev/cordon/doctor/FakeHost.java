package dev.cordon.doctor;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A made-up host for unit tests: by default one that can run cordon (the facts of our CI machines). */
final class FakeHost implements HostFacts {
    /** /proc/mounts lines of the CI machines: hybrid, cgroup2 at /sys/fs/cgroup/unified. */
    static final List<String> HYBRID_MOUNTS = List.of(
            "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0",
            "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
            "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0",
            "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0",
            "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0",
            "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0",
            "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0",
            "cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0",
            "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0",
            "bpf /sys/fs/bpf bpf rw,relatime 0 0");

    /** A current systemd distribution (Debian 12, Fedora): pure v2. */
    static final List<String> PURE_V2_MOUNTS = List.of(
            "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0",
            "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0",
            "bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0");

    /** An older hybrid host (Ubuntu 20.04 style) with the v1 net_cls,net_prio hierarchy. */
    static final List<String> NET_CLS_MOUNTS = List.of(
            "tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,mode=755 0 0",
            "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0",
            "cgroup /sys/fs/cgroup/systemd cgroup rw,nosuid,nodev,noexec,relatime,xattr,name=systemd 0 0",
            "cgroup /sys/fs/cgroup/net_cls,net_prio cgroup rw,nosuid,nodev,noexec,relatime,net_cls,net_prio 0 0",
            "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpu,cpuacct 0 0");

    /** CapEff of root on the CI machines (everything but CAP_SYS_RESOURCE). */
    static final long ROOT_CAPS = 0x000001fffeffffffL;

    String release = "6.18.44-fc-v595";
    List<String> mounts = HYBRID_MOUNTS;
    int euid = 0;
    long caps = ROOT_CAPS;
    Map<Path, Long> files = new HashMap<>(Map.of(Path.of("/sys/kernel/btf/vmlinux"), 5_600_000L));
    Runtime.Version jdk = Runtime.Version.parse("25.0.3+9-LTS");
    String vendor = "Eclipse Adoptium";
    boolean mountsUnreadable;
    java.util.Set<Path> directories = new java.util.HashSet<>(java.util.Set.of(Path.of("/sys/fs/bpf")));
    String pingGroupRange = "1\t0";
    List<dev.cordon.sys.LocalResolvers.Endpoint> localResolvers = List.of();
    List<java.net.InetAddress> nameservers = List.of(java.net.InetAddress.ofLiteral("10.255.255.53"));
    Map<String, Path> utilLinux = new java.util.LinkedHashMap<>(Map.of());

    FakeHost() {
        for (String t : dev.cordon.sys.UtilLinux.TOOLS) utilLinux.put(t, Path.of("/usr/bin", t));
    }

    @Override
    public String kernelRelease() {
        return release;
    }

    @Override
    public List<String> mounts() throws IOException {
        if (mountsUnreadable) throw new NoSuchFileException("/proc/self/mountinfo");
        return mounts;
    }

    @Override
    public int euid() {
        return euid;
    }

    @Override
    public long effectiveCapabilities() {
        return caps;
    }

    @Override
    public boolean isReadableFile(Path file) {
        return files.containsKey(file);
    }

    @Override
    public long size(Path file) throws IOException {
        Long size = files.get(file);
        if (size == null) throw new NoSuchFileException(file.toString());
        return size;
    }

    @Override
    public boolean isDirectory(Path dir) {
        return directories.contains(dir);
    }

    @Override
    public String pingGroupRange() {
        return pingGroupRange;
    }

    @Override
    public List<dev.cordon.sys.LocalResolvers.Endpoint> localResolvers() {
        return localResolvers;
    }

    @Override
    public List<java.net.InetAddress> nameservers() {
        return nameservers;
    }

    @Override
    public Map<String, Path> utilLinux() {
        return utilLinux;
    }

    @Override
    public Runtime.Version jdkVersion() {
        return jdk;
    }

    @Override
    public String jdkVendor() {
        return vendor;
    }
}
