package dev.cordon.limits;

import dev.cordon.policy.Limits;
import dev.cordon.sys.MountTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Placement and the controller files, on a cgroup tree made of plain files (the kernel tests cover the real one). */
class SessionLimitsTest {
    @TempDir
    Path tmp;

    private static final Limits ALL = new Limits(Limits.parseMemory("512M"), Limits.parseCpu("0.5"), 100L);
    private static final List<String> OWN = List.of("9:name=systemd:/", "8:pids:/", "4:memory:/box/7", "1:cpu:/", "0::/");

    private Path v2Root(String offered, String enabled) throws IOException {
        Path root = Files.createDirectories(tmp.resolve("unified"));
        Files.writeString(root.resolve("cgroup.controllers"), offered + "\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), enabled + "\n");
        return root;
    }

    private MountTable v1(String... controllers) {
        List<String> lines = new java.util.ArrayList<>();
        for (String c : controllers) lines.add("cgroup " + tmp.resolve(c) + " cgroup rw," + c + " 0 0");
        return MountTable.parse(lines);
    }

    @Test
    void pureV2WritesTheSessionCgroupsFilesAndEnablesWhatTheParentOnlyOffers() throws IOException {
        Path root = v2Root("cpuset cpu io memory pids", "cpu memory");
        Path session = Files.createDirectory(root.resolve("cordon-1-ab"));
        Files.writeString(session.resolve("memory.swap.max"), "max\n");
        List<Placement> plan = Placements.plan(ALL, session, "cordon-1-ab", v1(), OWN);
        assertThat(plan).allSatisfy(p -> assertThat(p.v2()).isTrue()).extracting(Placement::dir).containsOnly(session);

        try (SessionLimits limits = SessionLimits.apply(ALL, plan)) {
            assertThat(Files.readString(session.resolve("memory.max"))).isEqualTo(Long.toString(512L << 20));
            assertThat(Files.readString(session.resolve("memory.swap.max"))).isEqualTo("0");
            assertThat(Files.readString(session.resolve("cpu.max"))).isEqualTo("50000 100000");
            assertThat(Files.readString(session.resolve("pids.max"))).isEqualTo("100");
            assertThat(Files.readString(root.resolve("cgroup.subtree_control"))).as("pids was offered, not enabled").isEqualTo("+pids");
            assertThat(limits.v1ProcsFiles()).isEmpty();

            Files.writeString(session.resolve("memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
            Files.writeString(session.resolve("pids.events"), "max 7\n");
            SessionLimits.Outcome o = limits.outcome();
            assertThat(o).isEqualTo(new SessionLimits.Outcome(1, 7, 0));
            assertThat(limits.describe(o)).containsExactly(
                    "killed: memory limit 512M reached (1 process killed by the kernel's OOM killer, inside the session only)",
                    "refused: pids limit 100 reached (7 forks failed)");
        }
        assertThat(session).as("the v2 cgroup is the session's, not the limits'").exists();
    }

    @Test
    void aGuardedCgroupGetsItsOwnValuesBackAndCountsOnlyWhatHappenedSinceTheLimitsWereSet() throws IOException {
        Path root = v2Root("cpu memory pids", "memory");
        Path deploy = Files.createDirectory(root.resolve("deploy"));
        Files.writeString(deploy.resolve("memory.max"), "1073741824\n");
        Files.writeString(deploy.resolve("memory.swap.max"), "max\n");
        Files.writeString(deploy.resolve("cpu.max"), "max 100000\n");
        Files.writeString(deploy.resolve("pids.max"), "max\n");
        Files.writeString(deploy.resolve("memory.events"), "oom_kill 4\n");
        Files.writeString(deploy.resolve("pids.events"), "max 2\n");
        List<Placement> plan = Placements.planGuard(ALL, deploy, v1());
        assertThat(plan).allSatisfy(p -> assertThat(p.foreign()).isTrue()).extracting(Placement::dir).containsOnly(deploy);

        try (SessionLimits limits = SessionLimits.apply(ALL, plan)) {
            assertThat(Files.readString(deploy.resolve("memory.max"))).isEqualTo(Long.toString(512L << 20));
            assertThat(Files.readString(deploy.resolve("cpu.max"))).isEqualTo("50000 100000");
            assertThat(Files.readString(deploy.resolve("pids.max"))).isEqualTo("100");
            Files.writeString(deploy.resolve("memory.events"), "oom_kill 5\n");
            assertThat(limits.outcome()).as("the 4 OOM kills and 2 refused forks from before the guard are not its")
                    .isEqualTo(new SessionLimits.Outcome(1, 0, 0));
        }
        assertThat(Files.readString(deploy.resolve("memory.max"))).isEqualTo("1073741824");
        assertThat(Files.readString(deploy.resolve("memory.swap.max"))).isEqualTo("max");
        assertThat(Files.readString(deploy.resolve("cpu.max"))).isEqualTo("max 100000");
        assertThat(Files.readString(deploy.resolve("pids.max"))).isEqualTo("max");
        assertThat(deploy).as("the guarded cgroup stays").exists();
    }

    @Test
    void aGuardRefusesAControllerThatIsOnlyInCgroupV1() throws IOException {
        Path root = v2Root("hugetlb", "");
        Path deploy = Files.createDirectory(root.resolve("deploy"));
        Files.createDirectories(tmp.resolve("memory"));
        assertThatThrownBy(() -> Placements.planGuard(new Limits(Limits.parseMemory("64M"), null, null), deploy, v1("memory")))
                .isInstanceOf(LimitsException.class)
                .hasMessageContaining("cordon guard --memory needs the memory controller in cgroup v2")
                .hasMessageContaining("offers only hugetlb")
                .hasMessageContaining("memory is a cgroup v1 controller")
                .hasMessageContaining("cordon run --memory");
        assertThat(Placements.planGuard(Limits.NONE, deploy, v1("memory"))).isEmpty();
    }

    @Test
    void hybridUsesV1DirectoriesBelowCordonsOwnCgroupAndRemovesThem() throws IOException {
        Path root = v2Root("hugetlb", "");
        Path session = root.resolve("cordon-1-ab");
        Files.createDirectories(tmp.resolve("memory/box/7"));
        Files.createDirectories(tmp.resolve("cpu"));
        Files.createDirectories(tmp.resolve("pids"));
        List<Placement> plan = Placements.plan(ALL, session, "cordon-1-ab", v1("memory", "cpu", "pids"), OWN);
        assertThat(plan).extracting(Placement::dir).containsExactly(tmp.resolve("memory/box/7/cordon-1-ab"),
                tmp.resolve("cpu/cordon-1-ab"), tmp.resolve("pids/cordon-1-ab"));
        assertThat(plan).noneMatch(Placement::v2);

        SessionLimits limits = SessionLimits.apply(ALL, plan);
        Path mem = tmp.resolve("memory/box/7/cordon-1-ab");
        assertThat(Files.readString(mem.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(512L << 20));
        assertThat(Files.readString(tmp.resolve("cpu/cordon-1-ab/cpu.cfs_quota_us"))).isEqualTo("50000");
        assertThat(Files.readString(tmp.resolve("cpu/cordon-1-ab/cpu.cfs_period_us"))).isEqualTo("100000");
        assertThat(limits.v1ProcsFiles()).containsExactly(mem.resolve("cgroup.procs"), tmp.resolve("cpu/cordon-1-ab/cgroup.procs"),
                tmp.resolve("pids/cordon-1-ab/cgroup.procs"));
        Files.writeString(mem.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        assertThat(limits.outcome().oomKills()).isEqualTo(2);

        for (Path d : List.of(mem, tmp.resolve("cpu/cordon-1-ab"), tmp.resolve("pids/cordon-1-ab"))) {
            try (var files = Files.list(d)) {
                for (Path f : files.toList()) Files.delete(f); // the kernel's files vanish with the directory
            }
        }
        limits.close();
        assertThat(mem).doesNotExist();
        assertThat(tmp.resolve("memory/box/7")).exists();
    }

    @Test
    void aControllerNowhereIsRefusedNamingTheOptionAndWhatThereIs() throws IOException {
        Path root = v2Root("hugetlb", "");
        Limits memoryOnly = new Limits(Limits.parseMemory("64M"), null, null);
        assertThatThrownBy(() -> Placements.plan(memoryOnly, root.resolve("cordon-1-ab"), "cordon-1-ab", v1("cpu"), OWN))
                .isInstanceOf(LimitsException.class)
                .hasMessageStartingWith("--memory needs the memory controller")
                .hasMessageContaining("cgroup v2 offers only hugetlb")
                .hasMessageContaining("no cgroup v1 hierarchy with memory");
        assertThat(Placements.plan(Limits.NONE, root.resolve("x"), "x", v1(), OWN)).isEmpty();
    }

    @Test
    void ownPathFindsTheHierarchyByControllerList() {
        List<String> own = List.of("3:cpu,cpuacct:/a/b", "2:net_cls,net_prio:/", "0::/x");
        assertThat(Placements.ownPath(own, "cpu")).contains("/a/b");
        assertThat(Placements.ownPath(own, "cpuacct")).contains("/a/b");
        assertThat(Placements.ownPath(own, "memory")).isEmpty();
    }
}
