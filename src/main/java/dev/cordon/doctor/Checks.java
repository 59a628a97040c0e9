package dev.cordon.doctor;

import dev.cordon.kernel.EgressGuard;
import dev.cordon.libbpf.BpfException;
import dev.cordon.libbpf.LibBpfInfo;
import dev.cordon.libbpf.MapType;
import dev.cordon.policy.OutageStyle;
import dev.cordon.sys.Capabilities;
import dev.cordon.sys.LocalResolvers;
import dev.cordon.sys.MountTable;
import dev.cordon.sys.UtilLinux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The checks of {@code cordon doctor} and the verdict logic behind each, as plain functions of
 * the facts so that unit tests can feed them any host.
 */
public final class Checks {
    private Checks() {}

    static final String ROOT = "root", KERNEL = "kernel", JDK = "jdk", LIBBPF = "libbpf", BPF = "bpf()",
            BTF = "btf", CGROUP2 = "cgroup2", NET_CLS = "net_cls/prio", BPFFS = "bpffs", LOOKUPS = "lookups",
            PING = "ping sockets", UTIL_LINUX = "util-linux", SMOKE = "smoke load";

    static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");
    static final Path BPFFS_PATH = Path.of("/sys/fs/bpf");
    static final Path PING_GROUP_RANGE = Path.of("/proc/sys/net/ipv4/ping_group_range");
    static final int ENOSYS = 38, EPERM = 1, EACCES = 13;

    /**
     * A BPF program type cordon loads: probed, then shown with the programs that use it.
     *
     * @param required false: without it only a feature is missing (a warning), cordon run still works
     */
    public record ProgramType(String name, int id, String usedBy, String needs, boolean required) {
        public ProgramType(String name, int id, String usedBy, String needs) {
            this(name, id, usedBy, needs, true);
        }

        public String rowName() {
            return "prog " + name;
        }
    }

    /** A BPF map type cordon creates. */
    public record MapUse(String name, MapType type, String usedBy, String needs) {
        public String rowName() {
            return "map " + name;
        }
    }

    public static final List<ProgramType> PROGRAM_TYPES = List.of(
            new ProgramType("cgroup_sock_addr", LibBpfInfo.PROG_TYPE_CGROUP_SOCK_ADDR,
                    EgressGuard.CGROUP_PROGRAMS.stream()
                            .filter(p -> !p.equals("cordon_egress") && !p.equals("cordon_sock_create"))
                            .map(p -> p.replaceFirst("^cordon_", "")).collect(Collectors.joining(", ")),
                    "Linux 4.17+ built with CONFIG_CGROUP_BPF=y (recvmsg 5.2, getpeername 5.8: see the kernel rows)"),
            new ProgramType("cgroup_sock", LibBpfInfo.PROG_TYPE_CGROUP_SOCK,
                    "sock_create (raw sockets), sock_release (outage waits)", "Linux 4.10+ built with CONFIG_CGROUP_BPF=y (sock_release 5.9)"),
            new ProgramType("cgroup_skb", LibBpfInfo.PROG_TYPE_CGROUP_SKB,
                    "egress (DNS query attribution, outage drops, ping sockets' ICMP echo)", "Linux 4.10+ built with CONFIG_CGROUP_BPF=y"),
            new ProgramType("raw_tracepoint", LibBpfInfo.PROG_TYPE_RAW_TRACEPOINT,
                    "sched_process_exec, sched_process_exit, sys_exit (raw and packet sockets, execs refused with EPERM)",
                    "Linux 4.17+ built with CONFIG_BPF_EVENTS=y"),
            new ProgramType("sock_ops", LibBpfInfo.PROG_TYPE_SOCK_OPS, "sockops (the first-bytes check: connections to watch)",
                    "Linux 4.13+ built with CONFIG_CGROUP_BPF=y (the check as a whole: 5.17)", false),
            new ProgramType("sk_msg", LibBpfInfo.PROG_TYPE_SK_MSG, "sk_msg (the first-bytes check: TLS SNI, HTTP Host)",
                    "Linux 4.17+ built with CONFIG_BPF_STREAM_PARSER=y (the check as a whole: 5.17)", false));

    public static final List<MapUse> MAP_TYPES = List.of(
            new MapUse("lpm_trie", MapType.LPM_TRIE, "CIDR rules", "Linux 4.11+"),
            new MapUse("ringbuf", MapType.RINGBUF, "events", "Linux 5.8+"),
            new MapUse("cgroup_array", MapType.CGROUP_ARRAY, "session cgroup", "Linux 4.8+"),
            new MapUse("lru_hash", MapType.LRU_HASH, "DNS attribution", "Linux 4.10+"),
            new MapUse("hash", MapType.HASH, "learned addresses", "Linux 4.4+"),
            new MapUse("percpu_array", MapType.PERCPU_ARRAY, "dropped-event counter", "Linux 4.6+"));

    /** Everything {@code cordon doctor} checks, in the order it prints them. */
    public static List<Check> standard(HostFacts host, BpfProbes bpf) {
        List<Check> checks = new ArrayList<>();
        checks.add(Check.of(ROOT, () -> root(host.euid(), host.effectiveCapabilities())));
        checks.add(Check.of(KERNEL, () -> kernel(host.kernelRelease())));
        checks.add(Check.of(JDK, () -> jdk(host.jdkVersion(), host.jdkVendor())));
        checks.add(Check.of(LIBBPF, () -> libbpf(bpf.libbpfVersion())));
        checks.add(Check.of(BPF, () -> bpfSyscall(bpf.bpfSyscallErrno())).needing(ROOT, LIBBPF));
        checks.add(Check.of(BTF, () -> btf(host)));
        checks.add(Check.of(CGROUP2, () -> cgroup2(MountTable.parse(host.mounts()))));
        checks.add(Check.of(NET_CLS, () -> netClsPrio(host.kernelRelease(), MountTable.parse(host.mounts()))));
        checks.add(Check.of(BPFFS, () -> bpffs(MountTable.parse(host.mounts()), host.isDirectory(BPFFS_PATH))));
        checks.add(Check.of(LOOKUPS, () -> lookups(host.nameservers(), host.localResolvers())));
        checks.add(Check.of(PING, () -> pingSockets(host.pingGroupRange())));
        checks.add(Check.of(UTIL_LINUX, () -> utilLinux(host.utilLinux())));
        for (ProgramType t : PROGRAM_TYPES) {
            checks.add(Check.of(t.rowName(), () -> programType(t, bpf.supportsProgramType(t.id()))).needing(ROOT, LIBBPF, BPF));
        }
        for (MapUse m : MAP_TYPES) {
            checks.add(Check.of(m.rowName(), () -> mapType(m, bpf.supportsMapType(m.type()))).needing(ROOT, LIBBPF, BPF));
        }
        for (KernelFeatures.Feature f : KernelFeatures.ALL) {
            checks.add(Check.of(f.row(), () -> feature(f, bpf)).needing(ROOT, LIBBPF, BPF));
        }
        checks.add(Check.of(SMOKE, () -> smoke(bpf)).needing(ROOT, LIBBPF, BPF));
        return List.copyOf(checks);
    }

    // --- verdicts

    static Verdict root(int euid, long caps) {
        boolean sysAdmin = has(caps, Capabilities.CAP_SYS_ADMIN);
        boolean bpf = has(caps, Capabilities.CAP_BPF);
        // Session requires CAP_SYS_ADMIN (Capabilities.canRunSessions): it loads, attaches and makes cgroups.
        if (!sysAdmin) {
            if (euid != 0) return Verdict.fail("not root: run as root (sudo cordon doctor)");
            return Verdict.fail("uid 0, but CAP_SYS_ADMIN is not in the effective set (a container or a restricted "
                    + "service?): grant CAP_SYS_ADMIN and CAP_BPF, e.g. docker run --privileged");
        }
        String set = bpf ? "CAP_SYS_ADMIN and CAP_BPF effective"
                : "CAP_SYS_ADMIN effective (no CAP_BPF, which kernels before 5.8 lack; CAP_SYS_ADMIN covers it)";
        if (euid != 0) {
            return Verdict.warn("uid " + euid + " with " + set + "; creating the session cgroup may still need root: "
                    + "if cordon run fails, run it as root");
        }
        return Verdict.ok("uid 0, " + set);
    }

    static boolean has(long caps, int cap) {
        return (caps & (1L << cap)) != 0;
    }

    /**
     * The version only informs: the kernel rows (probes of each feature) decide, since distributions
     * backport BPF features. What the version alone does tell: cgroup.kill (5.14).
     */
    static Verdict kernel(String release) {
        Optional<KernelVersion> parsed = KernelVersion.parse(release);
        String needs = "mainline " + shortVersion(KernelFeatures.RUN.minimum()) + "+ for cordon run, "
                + shortVersion(KernelFeatures.OUTAGE.minimum()) + "+ for --simulate-outage, "
                + shortVersion(KernelFeatures.FIRST_BYTES.minimum()) + "+ for the first-bytes check; the kernel rows below test this kernel itself";
        if (parsed.isEmpty()) return Verdict.warn("cannot read a version from '" + release + "' (" + needs + ")");
        KernelVersion v = parsed.get();
        if (!v.atLeast(5, 14)) {
            return Verdict.warn(v + " (" + needs + "): no cgroup.kill before 5.14, so processes left behind are killed one by "
                    + "one (a forking process can race it); distributions backport BPF features, so older versions may still run");
        }
        return Verdict.ok(v + " (" + needs + ")");
    }

    static String shortVersion(KernelVersion v) {
        return v.major() + "." + v.minor();
    }

    /** Loads each probe of the feature on its own: this kernel's verifier says what it has. */
    static Verdict feature(KernelFeatures.Feature f, BpfProbes bpf) {
        List<String> missing = new ArrayList<>();
        for (KernelFeatures.Need n : f.needs()) {
            bpf.loadProbe(n.probe()).ifPresent(why -> missing.add(n.what() + " (mainline " + shortVersion(n.since()) + "+): " + why));
        }
        if (missing.isEmpty()) {
            String what = f.needs().size() == 1 ? "the feature " + f.name() + " needs (mainline " + shortVersion(f.minimum()) + "+ has it)"
                    : "all " + f.needs().size() + " features " + f.name() + " needs (mainline " + shortVersion(f.minimum()) + "+ has them)";
            return Verdict.ok("this kernel has " + what);
        }
        String text = "this kernel lacks what " + f.name() + " needs: " + String.join("; ", missing);
        return f.required() ? Verdict.fail(text) : Verdict.warn(text + "; only " + f.name() + " is affected");
    }

    static Verdict jdk(Runtime.Version version, String vendor) {
        String text = version + " (" + vendor + ")";
        if (version.feature() >= 25) return Verdict.ok(text + " (>= 25)");
        return Verdict.fail(text + ": cordon needs JDK 25 or newer; install one and point JAVA_HOME at it");
    }

    static Verdict libbpf(String version) {
        String[] parts = version.strip().split("\\.");
        int major;
        try {
            major = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            return Verdict.fail("cannot read libbpf's version '" + version + "': install libbpf 1.x (apt-get install -y libbpf1)");
        }
        if (major >= 1) return Verdict.ok(version + " (>= 1.0)");
        return Verdict.fail(version + ": cordon needs libbpf 1.0 or newer; install libbpf 1.x (apt-get install -y libbpf1)");
    }

    static Verdict bpfSyscall(int errno) {
        return switch (errno) {
            case 0 -> Verdict.ok("bpf(2) works (created and closed an array map)");
            case ENOSYS -> Verdict.fail("bpf(2) is not implemented: this kernel was built without CONFIG_BPF_SYSCALL; "
                    + "use a kernel with BPF");
            case EPERM, EACCES -> Verdict.fail("bpf(2) is denied (" + (errno == EPERM ? "EPERM" : "EACCES") + "): "
                    + "run as root; in a container a seccomp profile may block bpf() (docker: --privileged); "
                    + "before Linux 5.11 also raise the locked-memory limit (ulimit -l unlimited)");
            default -> Verdict.fail("bpf(2) failed with errno " + errno + " (" + describeErrno(errno) + "): "
                    + "cordon cannot load programs; check dmesg");
        };
    }

    private static String describeErrno(int errno) {
        return dev.cordon.libbpf.Errors.describe(errno); // never throws: falls back to "errno N"
    }

    /** libbpf looks for vmlinux BTF in sysfs first, then in these files (btf__load_vmlinux_btf). */
    static List<Path> btfFallbacks(String release) {
        return List.of("/boot/vmlinux-%1$s", "/lib/modules/%1$s/vmlinux-%1$s", "/lib/modules/%1$s/build/vmlinux",
                        "/usr/lib/modules/%1$s/kernel/vmlinux", "/usr/lib/debug/boot/vmlinux-%1$s",
                        "/usr/lib/debug/boot/vmlinux-%1$s.debug", "/usr/lib/debug/lib/modules/%1$s/vmlinux")
                .stream().map(f -> Path.of(String.format(Locale.ROOT, f, release))).toList();
    }

    static Verdict btf(HostFacts host) throws IOException {
        if (host.isReadableFile(VMLINUX_BTF)) {
            return Verdict.ok(VMLINUX_BTF + " (" + megabytes(host.size(VMLINUX_BTF)) + ")");
        }
        String release = host.kernelRelease();
        for (Path p : btfFallbacks(release)) {
            if (host.isReadableFile(p)) {
                return Verdict.warn("no " + VMLINUX_BTF + "; libbpf will read BTF from " + p
                        + " (slower); a kernel built with CONFIG_DEBUG_INFO_BTF=y provides it in sysfs");
            }
        }
        return Verdict.fail("no kernel BTF at " + VMLINUX_BTF + ": cordon's exec program needs it (CO-RE); "
                + "use a kernel built with CONFIG_DEBUG_INFO_BTF=y");
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
    }

    static Verdict cgroup2(MountTable mounts) {
        Optional<MountTable.Mount> m = mounts.cgroup2();
        if (m.isEmpty()) {
            return Verdict.fail("no cgroup2 filesystem mounted: mkdir -p /sys/fs/cgroup/unified && "
                    + "mount -t cgroup2 none /sys/fs/cgroup/unified");
        }
        String where = m.get().target();
        if (m.get().readOnly()) {
            return Verdict.fail(where + " is mounted read-only, and cordon creates a cgroup there: mount -o remount,rw "
                    + where + " (in a container: --privileged, or --cgroupns=host with a writable /sys/fs/cgroup)");
        }
        List<MountTable.Mount> v1 = mounts.cgroupV1();
        String layout = v1.isEmpty() ? "pure v2" : "hybrid: " + v1.size() + " cgroup v1 " + (v1.size() == 1 ? "hierarchy" : "hierarchies")
                + " mounted too";
        String delegation = m.get().hasOption("nsdelegate")
                ? "nsdelegate: the kernel also stops the command moving itself out of its cgroup namespace"
                : "no nsdelegate: the command's private view of cgroup2 is what keeps it in its cgroup";
        return Verdict.ok(where + " (" + layout + "; " + delegation + ")");
    }

    static Verdict netClsPrio(String release, MountTable mounts) {
        List<MountTable.Mount> netv1 = mounts.cgroupV1With("net_cls", "net_prio");
        if (netv1.isEmpty()) return Verdict.ok("cgroup v1 net_cls/net_prio not mounted");
        String where = netv1.stream().map(MountTable.Mount::target).collect(Collectors.joining(", "));
        Optional<KernelVersion> v = KernelVersion.parse(release);
        if (v.isPresent() && v.get().atLeast(5, 15)) {
            return Verdict.ok("cgroup v1 net_cls/net_prio mounted at " + where + "; harmless on 5.15+");
        }
        return Verdict.warn("cgroup v1 net_cls/net_prio mounted at " + where + " on kernel "
                + v.map(KernelVersion::toString).orElse(release) + " (< 5.15): once anything configures them the "
                + "kernel silently stops running cgroup BPF programs for new sockets; unmount them (umount "
                + netv1.getFirst().target() + ") or upgrade to 5.15+");
    }

    static Verdict bpffs(MountTable mounts, boolean mountPointExists) {
        if (mounts.at(BPFFS_PATH, "bpf").isPresent()) {
            return Verdict.ok(BPFFS_PATH + " (cordon run pins each session's programs there, so a crash cannot leave them detached)");
        }
        if (!mountPointExists) {
            return Verdict.fail("no " + BPFFS_PATH + " to mount bpffs on: cordon run pins each session's programs there (so a "
                    + "crash of cordon cannot leave the command unguarded) and refuses to run without; is sysfs mounted at /sys?");
        }
        return Verdict.ok("not mounted, as on a host that never ran cordon: cordon run mounts it at " + BPFFS_PATH
                + " (mode 0700) to pin each session's programs, and refuses to run if it cannot");
    }

    /** Where glibc's lookups go, and what cordon does so that they reach its proxy. */
    static Verdict lookups(List<java.net.InetAddress> nameservers, List<LocalResolvers.Endpoint> daemons) {
        List<String> parts = new ArrayList<>();
        if (!daemons.isEmpty()) {
            parts.add(daemons.stream().map(d -> d.daemon() + " (" + d.path() + ")").collect(Collectors.joining(", "))
                    + " answer glibc over a Unix socket, never port 53: cordon hides " + (daemons.size() == 1 ? "it" : "them")
                    + " from the command, so its lookups reach the proxy");
        }
        if (nameservers.isEmpty()) {
            parts.add("no nameserver in /etc/resolv.conf: give cordon run --upstream (or dns.upstreams in a policy)");
            return Verdict.warn(String.join("; ", parts));
        }
        String servers = nameservers.stream().map(java.net.InetAddress::getHostAddress).collect(Collectors.joining(", "));
        boolean stub = nameservers.stream().allMatch(java.net.InetAddress::isLoopbackAddress);
        parts.add("/etc/resolv.conf names " + (stub ? "a local stub, " : "") + servers + ": cordon's proxy forwards there"
                + " (--upstream to choose others); the command's port-53 queries go to the proxy whatever server they name");
        return Verdict.ok(String.join("; ", parts));
    }

    static Verdict pingSockets(String range) {
        String[] f = range.strip().split("\\s+");
        long lo, hi;
        try {
            lo = Long.parseLong(f[0]);
            hi = Long.parseLong(f[f.length - 1]);
        } catch (NumberFormatException e) {
            return Verdict.warn("cannot read net.ipv4.ping_group_range '" + range + "'");
        }
        if (lo > hi) {
            return Verdict.ok("closed (net.ipv4.ping_group_range " + lo + " " + hi + "): ICMP needs a raw socket, which cordon "
                    + "refuses in enforce mode (--allow-raw-sockets) and reports in both");
        }
        return Verdict.ok("open to groups " + lo + "-" + hi + " (net.ipv4.ping_group_range, systemd's default): commands send "
                + "ICMP echo without privileges; cordon judges each echo's address like any other attempt");
    }

    static Verdict utilLinux(java.util.Map<String, Path> found) {
        List<String> missing = UtilLinux.TOOLS.stream().filter(t -> !found.containsKey(t)).toList();
        if (!missing.isEmpty()) {
            return Verdict.fail(String.join(", ", missing) + " not found in " + UtilLinux.SYSTEM_DIRS
                    + ": cordon run confines the command with them and refuses to run without (" + UtilLinux.INSTALL + ")");
        }
        return Verdict.ok(String.join(", ", found.keySet()) + " found: they give the command its own cgroup namespace, private "
                + "mounts and a reduced capability set");
    }

    static Verdict programType(ProgramType t, boolean supported) {
        if (supported) return Verdict.ok("supported (" + t.usedBy() + ")");
        String text = "not supported by this kernel, so cordon cannot load " + t.usedBy() + ": it needs " + t.needs();
        return t.required() ? Verdict.fail(text) : Verdict.warn(text + "; sessions run without it and say so");
    }

    static Verdict mapType(MapUse m, boolean supported) {
        if (supported) return Verdict.ok("supported (" + m.usedBy() + ")");
        return Verdict.fail("not supported by this kernel, so cordon cannot create its " + m.usedBy() + " map: it needs " + m.needs());
    }

    /**
     * Loads the object as each kind of session would: report_all (--events), outage_style and
     * first_bytes are load-time constants that let the verifier prune code, so each variant is its
     * own verdict. Without the first-bytes check sessions still run (they say so).
     */
    static Verdict smoke(BpfProbes bpf) {
        long start = System.nanoTime();
        int programs;
        try {
            bpf.smokeLoad(false, null, false);
            programs = bpf.smokeLoad(true, null, false);
        } catch (BpfException | IllegalStateException | IllegalArgumentException e) {
            return smokeFailed(e.getMessage());
        }
        int withOutage = 0;
        List<String> failures = new ArrayList<>();
        for (OutageStyle style : OutageStyle.values()) {
            try {
                withOutage = bpf.smokeLoad(false, style, false);
            } catch (BpfException | IllegalStateException | IllegalArgumentException e) {
                failures.add("--outage-style " + style.label() + ": " + e.getMessage());
            }
        }
        int withNames = 0;
        try {
            bpf.smokeLoad(true, OutageStyle.TIMEOUT, true);
            withNames = bpf.smokeLoad(false, null, true);
        } catch (BpfException | IllegalStateException | IllegalArgumentException e) {
            failures.add("the first-bytes check (sessions run without it and say so): " + e.getMessage());
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (!failures.isEmpty()) {
            return Verdict.warn("the verifier accepted cordon's " + programs + " programs, with and without --events, but not "
                    + String.join("; ", failures) + "; only those are affected (" + millis + " ms)");
        }
        return smokePassed(programs, withOutage, withNames, millis);
    }

    static Verdict smokePassed(int programs, int withOutage, int withNames, long millis) {
        return Verdict.ok("the verifier accepted cordon's " + programs + " programs, with and without --events, its "
                + withOutage + " with each --outage-style and its " + withNames + " with the first-bytes check (" + millis + " ms)");
    }

    static Verdict smokeFailed(String why) {
        return Verdict.fail("cordon's programs do not load here, so cordon run would fail too: " + why
                + "; see libbpf's log and the verifier's with: cordon doctor --debug");
    }
}
