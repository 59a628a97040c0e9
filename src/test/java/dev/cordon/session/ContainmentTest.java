package dev.cordon.session;

import dev.cordon.policy.Mode;
import dev.cordon.sys.Capability;
import dev.cordon.sys.LocalResolvers;
import dev.cordon.sys.UserAccount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The exec chain between the shim and the command, and the capability choices behind it. */
class ContainmentTest {
    private static final ContainmentTools TOOLS = new ContainmentTools(Path.of("/usr/bin/unshare"), Path.of("/usr/bin/setpriv"),
            Path.of("/usr/bin/mount"), Path.of("/usr/bin/umount"));
    private static final Path CG = Path.of("/sys/fs/cgroup/unified");

    @TempDir
    Path tmp;

    @Test
    void enforceDropsEveryListedCapabilityAndClearsInheritableAndAmbient() {
        Containment c = Containment.DEFAULT;
        Set<Capability> dropped = c.dropped(Mode.ENFORCE, false);
        assertThat(dropped).containsExactlyInAnyOrder(Capability.SYS_ADMIN, Capability.NET_ADMIN, Capability.NET_RAW, Capability.BPF,
                Capability.PERFMON, Capability.SYS_MODULE, Capability.SYS_PTRACE, Capability.SYS_RAWIO);
        Containment.Chain chain = c.chain(TOOLS, dropped, CG, List.of(), List.of());
        assertThat(chain.argv()).containsExactly(
                "/usr/bin/unshare", "--cgroup", "--mount", "--propagation=private", "--",
                "/bin/sh", "-c", Containment.MOUNT_STEP, "cordon-mount", "/sys/fs/cgroup/unified", "/usr/bin/mount", "/usr/bin/umount",
                "/sys/fs/bpf", "--", "/usr/bin/setpriv", "--bounding-set=-net_admin,-net_raw,-sys_module,-sys_rawio,-sys_ptrace,-sys_admin,-cap_38,-cap_39",
                "--inh-caps=-all", "--ambient-caps=-all", "--");
        assertThat(chain.stepStarts()).containsExactly(0, 5, 14);
        assertThat(chain.helpers()).containsExactly(List.of("/usr/bin/umount", "-l", "/sys/fs/cgroup/unified"),
                List.of("/usr/bin/mount", "-t", "cgroup2", "-o", "nosuid,nodev,noexec", "cordon", "/sys/fs/cgroup/unified"),
                List.of("/usr/bin/umount", "-l", "/sys/fs/bpf"));
        assertThat(c.environment()).isEmpty();
    }

    @Test
    void localResolverSocketsAreHiddenBetweenTheCgroupViewAndSetpriv() {
        List<LocalResolvers.Endpoint> hide = List.of(new LocalResolvers.Endpoint("nscd", Path.of("/run/nscd"), true, "x"),
                new LocalResolvers.Endpoint("systemd-resolved", Path.of("/run/systemd/resolve/io.systemd.Resolve"), false, "y"));
        Containment.Chain chain = Containment.DEFAULT.chain(TOOLS, Set.of(), CG, List.of(), hide);
        assertThat(chain.argv().subList(12, 17)).containsExactly("/sys/fs/bpf", "dir:/run/nscd",
                "sock:/run/systemd/resolve/io.systemd.Resolve", "--", "/usr/bin/setpriv");
        assertThat(chain.stepStarts()).containsExactly(0, 5, 16);
        assertThat(chain.helpers()).endsWith(
                List.of("/usr/bin/mount", "-t", "tmpfs", "-o", "ro,nosuid,nodev,noexec,mode=0755", "cordon-hidden", "/run/nscd"),
                List.of("/usr/bin/mount", "--bind", "/dev/null", "/run/systemd/resolve/io.systemd.Resolve"));
    }

    @Test
    void auditModeAndAllowRawSocketsKeepNetRawSoRawSocketsWorkAndAreReported() {
        assertThat(Containment.DEFAULT.dropped(Mode.AUDIT, false)).doesNotContain(Capability.NET_RAW).contains(Capability.SYS_ADMIN);
        assertThat(Containment.DEFAULT.dropped(Mode.ENFORCE, true)).doesNotContain(Capability.NET_RAW).contains(Capability.BPF);
    }

    @Test
    void keptCapabilitiesStayInTheBoundingSet() {
        Containment c = new Containment(Set.of(Capability.NET_RAW, Capability.SYS_PTRACE), null);
        Set<Capability> dropped = c.dropped(Mode.ENFORCE, false);
        assertThat(dropped).doesNotContain(Capability.NET_RAW, Capability.SYS_PTRACE).contains(Capability.SYS_ADMIN);
        assertThat(c.chain(TOOLS, dropped, CG, List.of(), List.of()).argv().get(14)).doesNotContain("net_raw").doesNotContain("ptrace");
    }

    @Test
    void keepingEverythingLeavesNoBoundingSetOption() {
        Containment c = new Containment(Containment.DROPPED.keySet(), null);
        assertThat(c.chain(TOOLS, c.dropped(Mode.ENFORCE, false), CG, List.of(), List.of()).argv())
                .noneMatch(a -> a.startsWith("--bounding-set")).contains("--inh-caps=-all", "--ambient-caps=-all");
    }

    @Test
    void aUserBringsUidGidGroupsAndItsEnvironment() {
        Containment c = new Containment(Set.of(), new UserAccount("nobody", 65534, 65534, "/nonexistent", "/usr/sbin/nologin"));
        List<String> argv = c.chain(TOOLS, c.dropped(Mode.ENFORCE, false), CG, List.of(), List.of()).argv();
        assertThat(argv.subList(argv.size() - 4, argv.size())).containsExactly("--reuid=65534", "--regid=65534", "--init-groups", "--");
        assertThat(c.environment()).isEqualTo(Map.of("HOME", "/nonexistent", "USER", "nobody", "LOGNAME", "nobody"));
    }

    @Test
    void parseKeepValidatesAgainstTheDroppedList() {
        assertThat(Containment.parseKeep(List.of("net_raw", "CAP_BPF"))).containsExactlyInAnyOrder(Capability.NET_RAW, Capability.BPF);
        assertThatThrownBy(() -> Containment.parseKeep(List.of("bogus")))
                .hasMessage("unknown capability 'bogus' for --keep-cap; cordon drops: " + Containment.droppedNames());
        assertThatThrownBy(() -> Containment.parseKeep(List.of("kill")))
                .hasMessageStartingWith("--keep-cap kill: cordon does not drop CAP_KILL");
        assertThatThrownBy(() -> new Containment(Set.of(Capability.CHOWN), null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void capabilityNamesAndMasks() {
        assertThat(Capability.parse("cap_net_raw")).contains(Capability.NET_RAW);
        assertThat(Capability.parse(" NET_RAW ")).contains(Capability.NET_RAW);
        assertThat(Capability.parse("net_rawx")).isEmpty();
        assertThat(Capability.values()).hasSize(41); // 0..CAP_CHECKPOINT_RESTORE (40), as in linux/capability.h
        assertThat(Capability.fromMask(0x3000L)).containsExactly(Capability.NET_ADMIN, Capability.NET_RAW);
        assertThat(Capability.SYS_ADMIN.number).isEqualTo(21);
        assertThat(Capability.BPF.number).isEqualTo(39);
        assertThat(Capability.BPF.setprivName()).isEqualTo("cap_39");
        assertThat(Capability.PERFMON.setprivName()).isEqualTo("cap_38");
        assertThat(Capability.SYS_ADMIN.setprivName()).isEqualTo("sys_admin");
        assertThat(dev.cordon.sys.Capabilities.lastCap()).isBetween(37, Capability.values().length - 1);
    }

    @Test
    void missingToolsNameUtilLinux() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        assertThatThrownBy(() -> ContainmentTools.find(List.of(bin)))
                .isInstanceOf(CordonException.class)
                .hasMessageContaining("unshare, setpriv, mount, umount not found")
                .hasMessageContaining("apt-get install util-linux mount")
                .hasMessageContaining("not running the command");
        Path unshare = bin.resolve("unshare");
        Files.writeString(unshare, "#!/bin/sh\n");
        Files.setPosixFilePermissions(unshare, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> ContainmentTools.find(List.of(bin))).hasMessageStartingWith("setpriv, mount, umount not found");
        Path setpriv = bin.resolve("setpriv");
        Files.writeString(setpriv, "#!/bin/sh\n");
        Path mount = bin.resolve("mount");
        Files.writeString(mount, "#!/bin/sh\n");
        Files.setPosixFilePermissions(mount, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path umount = bin.resolve("umount");
        Files.writeString(umount, "#!/bin/sh\n");
        Files.setPosixFilePermissions(umount, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> ContainmentTools.find(List.of(bin))).as("not executable").hasMessageStartingWith("setpriv not found");
        Files.setPosixFilePermissions(setpriv, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(ContainmentTools.find(List.of(tmp.resolve("none"), bin))).isEqualTo(new ContainmentTools(unshare, setpriv, mount, umount));
    }

    @Test
    void theShimExecsTheChainThenTheCommand() {
        List<String> wrapper = Containment.DEFAULT.chain(TOOLS, Set.of(Capability.SYS_ADMIN), CG, List.of(), List.of()).argv();
        List<String> argv = CommandLauncher.argv(wrapper, List.of("curl", "-sS", "x"),
                List.of(Path.of("/cg/cgroup.procs"), Path.of("/v1/memory/cgroup.procs")));
        assertThat(argv.subList(0, 7)).containsExactly("/bin/sh", "-c", CommandLauncher.SHIM, "cordon-shim", "/cg/cgroup.procs",
                "/v1/memory/cgroup.procs", "--");
        assertThat(argv.subList(7, 7 + wrapper.size())).isEqualTo(wrapper);
        assertThat(argv.subList(argv.size() - 3, argv.size())).containsExactly("curl", "-sS", "x");
    }
}
