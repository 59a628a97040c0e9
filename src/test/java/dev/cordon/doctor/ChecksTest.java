package dev.cordon.doctor;

import dev.cordon.libbpf.BpfException;
import dev.cordon.libbpf.LibBpfInfo;
import dev.cordon.libbpf.MapType;
import dev.cordon.sys.Capabilities;
import dev.cordon.sys.MountTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ChecksTest {
    private static final long SYS_ADMIN = 1L << Capabilities.CAP_SYS_ADMIN;
    private static final long BPF = 1L << Capabilities.CAP_BPF;

    // --- root and capabilities

    @Test
    void rootWithTheCiCapabilitiesIsOk() {
        Verdict v = Checks.root(0, FakeHost.ROOT_CAPS);
        assertThat(v.status()).isEqualTo(Status.OK);
        assertThat(v.detail()).isEqualTo("uid 0, CAP_SYS_ADMIN and CAP_BPF effective");
    }

    @Test
    void notRootFailsAndSaysToUseSudo() {
        Verdict v = Checks.root(1000, 0);
        assertThat(v.status()).isEqualTo(Status.FAIL);
        assertThat(v.detail()).isEqualTo("not root: run as root (sudo cordon doctor)");
    }

    @Test
    void rootWithoutSysAdminFailsAndSaysWhichCapabilities() {
        Verdict v = Checks.root(0, FakeHost.ROOT_CAPS & ~SYS_ADMIN);
        assertThat(v.status()).isEqualTo(Status.FAIL);
        assertThat(v.detail()).contains("CAP_SYS_ADMIN").contains("--privileged");
    }

    @Test
    void sysAdminWithoutCapBpfIsEnoughAsOnKernelsBefore58() {
        Verdict v = Checks.root(0, SYS_ADMIN);
        assertThat(v.status()).isEqualTo(Status.OK);
        assertThat(v.detail()).contains("no CAP_BPF");
    }

    @Test
    void nonRootWithCapabilitiesOnlyWarns() {
        Verdict v = Checks.root(1000, SYS_ADMIN | BPF);
        assertThat(v.status()).isEqualTo(Status.WARN);
        assertThat(v.detail()).startsWith("uid 1000 with CAP_SYS_ADMIN and CAP_BPF").contains("run it as root");
    }

    @Test
    void capBpfAloneIsNotEnough() {
        // cordon run creates cgroups and attaches to them: Session insists on CAP_SYS_ADMIN
        assertThat(Checks.root(1000, BPF).status()).isEqualTo(Status.FAIL);
    }

    // --- kernel

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "6.18.44-fc-v595       | OK   | 6.18.44 (mainline 5.8+ for cordon run, 5.9+ for --simulate-outage",
            "5.15.0-1034-azure     | OK   | 5.15.0 (mainline 5.8+",
            "5.14.21-150400.22-default | OK | 5.14.21",
            "5.10.0-28-amd64       | WARN | cgroup.kill",
            "4.18.0-513.el8.x86_64 | WARN | backport",
            "something-custom      | WARN | cannot read a version"})
    void kernelVersionVerdicts(String release, Status status, String detailPart) {
        Verdict v = Checks.kernel(release);
        assertThat(v.status()).isEqualTo(status);
        assertThat(v.detail()).contains(detailPart).contains("the kernel rows below test this kernel itself");
    }

    @Test
    void aFeatureWhoseProbesAllLoadIsOkAndAMissingOneNamesItsMainlineVersion() {
        FakeProbes probes = new FakeProbes();
        assertThat(Checks.feature(KernelFeatures.RUN, probes)).isEqualTo(Verdict.ok("this kernel has all 7 features cordon run needs "
                + "(mainline 5.8+ has them)"));
        probes.probeFailures.put("probe_sock_release", "Invalid argument");
        Verdict outage = Checks.feature(KernelFeatures.OUTAGE, probes);
        assertThat(outage.status()).as("only the option is affected").isEqualTo(Status.WARN);
        assertThat(outage.detail()).isEqualTo("this kernel lacks what --simulate-outage needs: cgroup/sock_release (when a waiting "
                + "socket gives up) (mainline 5.9+): Invalid argument; only --simulate-outage is affected");
        probes.probeFailures.put("probe_getpeername", "Invalid argument");
        assertThat(Checks.feature(KernelFeatures.RUN, probes).status()).isEqualTo(Status.FAIL);
    }

    @Test
    void cgroupKillWarningNamesTheVersionThatHasIt() {
        assertThat(Checks.kernel("5.10.0-28-amd64").detail()).contains("5.14");
    }

    // --- jdk and libbpf

    @Test
    void jdkVerdicts() {
        assertThat(Checks.jdk(Runtime.Version.parse("25.0.3+9-LTS"), "Eclipse Adoptium"))
                .isEqualTo(Verdict.ok("25.0.3+9-LTS (Eclipse Adoptium) (>= 25)"));
        assertThat(Checks.jdk(Runtime.Version.parse("26-ea+5"), "Oracle").status()).isEqualTo(Status.OK);
        Verdict old = Checks.jdk(Runtime.Version.parse("21.0.5+11"), "Debian");
        assertThat(old.status()).isEqualTo(Status.FAIL);
        assertThat(old.detail()).contains("JDK 25").contains("JAVA_HOME");
    }

    @Test
    void libbpfVerdicts() {
        assertThat(Checks.libbpf("1.1")).isEqualTo(Verdict.ok("1.1 (>= 1.0)"));
        assertThat(Checks.libbpf("1.5").status()).isEqualTo(Status.OK);
        assertThat(Checks.libbpf("2.0").status()).isEqualTo(Status.OK);
        Verdict old = Checks.libbpf("0.8");
        assertThat(old.status()).isEqualTo(Status.FAIL);
        assertThat(old.detail()).contains("1.0").contains("apt-get install");
        assertThat(Checks.libbpf("weird").status()).isEqualTo(Status.FAIL);
    }

    // --- bpf(2)

    @Test
    void bpfSyscallVerdicts() {
        assertThat(Checks.bpfSyscall(0).status()).isEqualTo(Status.OK);
        assertThat(Checks.bpfSyscall(38)).satisfies(v -> {
            assertThat(v.status()).isEqualTo(Status.FAIL);
            assertThat(v.detail()).contains("CONFIG_BPF_SYSCALL");
        });
        assertThat(Checks.bpfSyscall(1)).satisfies(v -> {
            assertThat(v.status()).isEqualTo(Status.FAIL);
            assertThat(v.detail()).contains("EPERM").contains("seccomp").contains("ulimit -l");
        });
        assertThat(Checks.bpfSyscall(22)).satisfies(v -> {
            assertThat(v.status()).isEqualTo(Status.FAIL);
            assertThat(v.detail()).contains("errno 22");
        });
    }

    // --- BTF

    @Test
    void btfInSysfsIsOk() throws Exception {
        assertThat(Checks.btf(new FakeHost())).isEqualTo(Verdict.ok("/sys/kernel/btf/vmlinux (5.3 MB)"));
    }

    @Test
    void btfOnlyOnDiskWarnsAndNamesTheFileLibbpfWillUse() throws Exception {
        FakeHost host = new FakeHost();
        host.release = "5.4.0-42-generic";
        host.files.clear();
        host.files.put(Path.of("/boot/vmlinux-5.4.0-42-generic"), 1L);
        Verdict v = Checks.btf(host);
        assertThat(v.status()).isEqualTo(Status.WARN);
        assertThat(v.detail()).contains("/boot/vmlinux-5.4.0-42-generic").contains("CONFIG_DEBUG_INFO_BTF");
    }

    @Test
    void noBtfFails() throws Exception {
        FakeHost host = new FakeHost();
        host.files.clear();
        Verdict v = Checks.btf(host);
        assertThat(v.status()).isEqualTo(Status.FAIL);
        assertThat(v.detail()).contains("CONFIG_DEBUG_INFO_BTF=y");
    }

    @Test
    void btfFallbacksAreLibbpfsList() {
        assertThat(Checks.btfFallbacks("6.1.0-9-amd64")).contains(
                Path.of("/boot/vmlinux-6.1.0-9-amd64"),
                Path.of("/lib/modules/6.1.0-9-amd64/vmlinux-6.1.0-9-amd64"),
                Path.of("/usr/lib/debug/boot/vmlinux-6.1.0-9-amd64.debug"));
    }

    // --- cgroup2, net_cls/net_prio, bpffs

    @Test
    void cgroup2Verdicts() {
        assertThat(Checks.cgroup2(MountTable.parse(FakeHost.HYBRID_MOUNTS))).isEqualTo(Verdict.ok("/sys/fs/cgroup/unified (hybrid: "
                + "5 cgroup v1 hierarchies mounted too; no nsdelegate: the command's private view of cgroup2 is what keeps it in its cgroup)"));
        assertThat(Checks.cgroup2(MountTable.parse(FakeHost.PURE_V2_MOUNTS))).isEqualTo(Verdict.ok("/sys/fs/cgroup (pure v2; "
                + "nsdelegate: the kernel also stops the command moving itself out of its cgroup namespace)"));
        Verdict none = Checks.cgroup2(MountTable.parse(List.of("proc /proc proc rw 0 0",
                "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0")));
        assertThat(none.status()).isEqualTo(Status.FAIL);
        assertThat(none.detail()).contains("mount -t cgroup2");
        Verdict ro = Checks.cgroup2(MountTable.parse(List.of(
                "cgroup /sys/fs/cgroup cgroup2 ro,nosuid,nodev,noexec,relatime,nsdelegate 0 0")));
        assertThat(ro.status()).isEqualTo(Status.FAIL);
        assertThat(ro.detail()).contains("read-only").contains("remount,rw");
    }

    @Test
    void cgroup2MountedOverAHybridTreeIsReportedAsPureV2() {
        List<String> mounts = new java.util.ArrayList<>(FakeHost.HYBRID_MOUNTS);
        mounts.add("cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0");
        assertThat(Checks.cgroup2(MountTable.parse(mounts)).detail()).startsWith("/sys/fs/cgroup (pure v2; nsdelegate");
    }

    @Test
    void netClsIsOnlyAWarningBefore515() {
        MountTable withNetCls = MountTable.parse(FakeHost.NET_CLS_MOUNTS);
        Verdict old = Checks.netClsPrio("5.10.0-28-amd64", withNetCls);
        assertThat(old.status()).isEqualTo(Status.WARN);
        assertThat(old.detail()).contains("/sys/fs/cgroup/net_cls,net_prio").contains("5.10.0")
                .contains("umount /sys/fs/cgroup/net_cls,net_prio").contains("5.15");
        assertThat(Checks.netClsPrio("5.15.0-1034-azure", withNetCls).status()).isEqualTo(Status.OK);
        assertThat(Checks.netClsPrio("6.18.44-fc-v595", withNetCls).detail()).contains("harmless");
        assertThat(Checks.netClsPrio("custom", withNetCls).status()).isEqualTo(Status.WARN);
        assertThat(Checks.netClsPrio("5.4.0", MountTable.parse(FakeHost.HYBRID_MOUNTS)))
                .isEqualTo(Verdict.ok("cgroup v1 net_cls/net_prio not mounted"));
    }

    @Test
    void netPrioAloneCountsToo() {
        MountTable t = MountTable.parse(List.of("cgroup /sys/fs/cgroup/net_prio cgroup rw,net_prio 0 0"));
        assertThat(Checks.netClsPrio("5.4.0-150-generic", t).status()).isEqualTo(Status.WARN);
    }

    @Test
    void bpffsNotMountedIsAFreshHostAndFineButNoMountPointFails() {
        Verdict mounted = Checks.bpffs(MountTable.parse(FakeHost.HYBRID_MOUNTS), true);
        assertThat(mounted.status()).isEqualTo(Status.OK);
        assertThat(mounted.detail()).startsWith("/sys/fs/bpf").contains("pins");
        Verdict none = Checks.bpffs(MountTable.parse(List.of("proc /proc proc rw 0 0")), true);
        assertThat(none.status()).isEqualTo(Status.OK);
        assertThat(none.detail()).startsWith("not mounted, as on a host that never ran cordon: cordon run mounts it");
        assertThat(Checks.bpffs(MountTable.parse(List.of("bpf /run/bpf bpf rw 0 0")), true).detail()).startsWith("not mounted");
        Verdict noDir = Checks.bpffs(MountTable.parse(List.of("proc /proc proc rw 0 0")), false);
        assertThat(noDir.status()).isEqualTo(Status.FAIL);
        assertThat(noDir.detail()).contains("refuses to run");
    }

    // --- lookups, ping sockets, util-linux

    @Test
    void lookupsNameTheDaemonsCordonHidesAndTheStub() {
        var nscd = new dev.cordon.sys.LocalResolvers.Endpoint("nscd", Path.of("/run/nscd"), true, "x");
        var resolved = new dev.cordon.sys.LocalResolvers.Endpoint("systemd-resolved", Path.of("/run/systemd/resolve/io.systemd.Resolve"), false, "y");
        Verdict both = Checks.lookups(List.of(java.net.InetAddress.ofLiteral("127.0.0.53")), List.of(nscd, resolved));
        assertThat(both.status()).isEqualTo(Status.OK);
        assertThat(both.detail()).isEqualTo("nscd (/run/nscd), systemd-resolved (/run/systemd/resolve/io.systemd.Resolve) answer glibc "
                + "over a Unix socket, never port 53: cordon hides them from the command, so its lookups reach the proxy; "
                + "/etc/resolv.conf names a local stub, 127.0.0.53: cordon's proxy forwards there (--upstream to choose others); "
                + "the command's port-53 queries go to the proxy whatever server they name");
        Verdict plain = Checks.lookups(List.of(java.net.InetAddress.ofLiteral("192.0.2.53")), List.of());
        assertThat(plain.detail()).startsWith("/etc/resolv.conf names 192.0.2.53: cordon's proxy forwards there");
        Verdict none = Checks.lookups(List.of(), List.of());
        assertThat(none.status()).isEqualTo(Status.WARN);
        assertThat(none.detail()).contains("--upstream");
    }

    @Test
    void pingSocketsOpenOrClosed() {
        assertThat(Checks.pingSockets("1\t0").detail()).startsWith("closed (net.ipv4.ping_group_range 1 0)").contains("raw socket");
        Verdict open = Checks.pingSockets("0\t2147483647\n");
        assertThat(open.status()).isEqualTo(Status.OK);
        assertThat(open.detail()).startsWith("open to groups 0-2147483647").contains("judges each echo");
        assertThat(Checks.pingSockets("bogus").status()).isEqualTo(Status.WARN);
    }

    @Test
    void utilLinuxMissingFails() {
        java.util.Map<String, Path> found = new java.util.LinkedHashMap<>();
        for (String t : dev.cordon.sys.UtilLinux.TOOLS) found.put(t, Path.of("/usr/bin", t));
        assertThat(Checks.utilLinux(found).status()).isEqualTo(Status.OK);
        found.remove("setpriv");
        Verdict missing = Checks.utilLinux(found);
        assertThat(missing.status()).isEqualTo(Status.FAIL);
        assertThat(missing.detail()).startsWith("setpriv not found in").contains("apt-get install util-linux mount");
    }

    // --- program and map types, smoke load

    @Test
    void programTypesAreTheOnesCordonLoads() {
        assertThat(Checks.PROGRAM_TYPES).extracting(Checks.ProgramType::id)
                .containsExactly(LibBpfInfo.PROG_TYPE_CGROUP_SOCK_ADDR, LibBpfInfo.PROG_TYPE_CGROUP_SOCK,
                        LibBpfInfo.PROG_TYPE_CGROUP_SKB,
                        LibBpfInfo.PROG_TYPE_RAW_TRACEPOINT, LibBpfInfo.PROG_TYPE_SOCK_OPS, LibBpfInfo.PROG_TYPE_SK_MSG);
        assertThat(Checks.PROGRAM_TYPES.getFirst().usedBy()).isEqualTo(
                "connect4, connect6, sendmsg4, sendmsg6, recvmsg4, recvmsg6, getpeername4, getpeername6");
        assertThat(LibBpfInfo.PROG_TYPE_RAW_TRACEPOINT).isEqualTo(17);
        assertThat(LibBpfInfo.PROG_TYPE_SOCK_OPS).isEqualTo(13); // uapi enum bpf_prog_type
        assertThat(LibBpfInfo.PROG_TYPE_SK_MSG).isEqualTo(16);
        assertThat(Checks.MAP_TYPES).extracting(Checks.MapUse::type)
                .containsExactly(MapType.LPM_TRIE, MapType.RINGBUF, MapType.CGROUP_ARRAY, MapType.LRU_HASH, MapType.HASH,
                        MapType.PERCPU_ARRAY);
    }

    @Test
    void unsupportedTypesFailAndSayWhatIsNeeded() {
        Verdict p = Checks.programType(Checks.PROGRAM_TYPES.getFirst(), false);
        assertThat(p.status()).isEqualTo(Status.FAIL);
        assertThat(p.detail()).contains("connect4").contains("CONFIG_CGROUP_BPF");
        Verdict m = Checks.mapType(Checks.MAP_TYPES.get(1), false);
        assertThat(m.status()).isEqualTo(Status.FAIL);
        assertThat(m.detail()).contains("events").contains("5.8");
        assertThat(Checks.mapType(Checks.MAP_TYPES.get(1), true)).isEqualTo(Verdict.ok("supported (events)"));
    }

    @Test
    void theFirstBytesCheckProgramTypesOnlyWarn() {
        Checks.ProgramType skMsg = Checks.PROGRAM_TYPES.stream().filter(t -> t.name().equals("sk_msg")).findFirst().orElseThrow();
        Verdict v = Checks.programType(skMsg, false);
        assertThat(v.status()).as("cordon run still works without it").isEqualTo(Status.WARN);
        assertThat(v.detail()).contains("first-bytes check").contains("sessions run without it and say so");
    }

    @Test
    void smokeLoadReportsTheVerifiersAnswer() {
        FakeProbes probes = new FakeProbes();
        Verdict ok = Checks.smoke(probes);
        assertThat(ok.status()).isEqualTo(Status.OK);
        assertThat(ok.detail()).startsWith("the verifier accepted cordon's 5 programs, with and without --events, its 6 "
                + "with each --outage-style and its 7 with the first-bytes check");

        probes.smoke = (reportAll, style, names) -> {
            if (style == dev.cordon.policy.OutageStyle.REFUSE) throw new BpfException("bpf_object__load", 22);
            return 5;
        };
        Verdict outage = Checks.smoke(probes);
        assertThat(outage.status()).as("a run still works").isEqualTo(Status.WARN);
        assertThat(outage.detail()).contains("but not --outage-style refuse: bpf_object__load").contains("only those are affected");

        probes.smoke = (reportAll, style, names) -> {
            if (names) throw new BpfException("bpf_object__load", 22);
            return 5;
        };
        Verdict withoutNames = Checks.smoke(probes);
        assertThat(withoutNames.status()).as("a run still works, without the check").isEqualTo(Status.WARN);
        assertThat(withoutNames.detail()).contains("the first-bytes check (sessions run without it and say so): bpf_object__load");

        probes.smoke = (reportAll, style, names) -> {
            throw new BpfException("bpf_object__load", 13);
        };
        Verdict failed = Checks.smoke(probes);
        assertThat(failed.status()).isEqualTo(Status.FAIL);
        assertThat(failed.detail()).contains("bpf_object__load").contains("errno 13").contains("cordon doctor --debug");

        probes.smoke = (reportAll, style, names) -> {
            throw new IllegalStateException("cordon.bpf.o is missing from the classpath; rebuild with mvn package");
        };
        assertThat(Checks.smoke(probes).detail()).contains("rebuild with mvn package");
    }
}
