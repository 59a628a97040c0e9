package dev.cordon.doctor;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MountTableTest {
    @Test
    void findsCgroup2AndV1HierarchiesOnAHybridHost() {
        MountTable t = MountTable.parse(FakeHost.HYBRID_MOUNTS);
        assertThat(t.cgroup2()).hasValueSatisfying(m -> {
            assertThat(m.target()).isEqualTo("/sys/fs/cgroup/unified");
            assertThat(m.readOnly()).isFalse();
        });
        assertThat(t.cgroupV1()).extracting(MountTable.Mount::target)
                .containsExactly("/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/memory",
                        "/sys/fs/cgroup/pids", "/sys/fs/cgroup/systemd");
        assertThat(t.ofType("bpf")).singleElement().extracting(MountTable.Mount::target).isEqualTo("/sys/fs/bpf");
    }

    @Test
    void pureV2HasNoV1Hierarchies() {
        MountTable t = MountTable.parse(FakeHost.PURE_V2_MOUNTS);
        assertThat(t.cgroup2()).hasValueSatisfying(m -> assertThat(m.target()).isEqualTo("/sys/fs/cgroup"));
        assertThat(t.cgroupV1()).isEmpty();
    }

    @Test
    void findsV1ControllersByMountOptionNotByPath() {
        MountTable t = MountTable.parse(FakeHost.NET_CLS_MOUNTS);
        assertThat(t.cgroupV1With("net_cls", "net_prio")).extracting(MountTable.Mount::target)
                .containsExactly("/sys/fs/cgroup/net_cls,net_prio");
        // name=systemd and cpu,cpuacct are not net_cls even though they are cgroup v1
        assertThat(MountTable.parse(FakeHost.HYBRID_MOUNTS).cgroupV1With("net_cls", "net_prio")).isEmpty();
    }

    @Test
    void unescapesOctalAndSkipsShortLines() {
        MountTable t = MountTable.parse(List.of(
                "none /mnt/my\\040cgroups\\134x cgroup2 ro,nosuid 0 0",
                "garbage",
                ""));
        assertThat(t.mounts()).singleElement().satisfies(m -> {
            assertThat(m.target()).isEqualTo("/mnt/my cgroups\\x");
            assertThat(m.readOnly()).isTrue();
            assertThat(m.options()).containsExactly("ro", "nosuid");
        });
        assertThat(MountTable.unescape("a\\04")).isEqualTo("a\\04");
        assertThat(MountTable.unescape("a\\089")).isEqualTo("a\\089");
        assertThat(MountTable.unescape("tab\\011end")).isEqualTo("tab\tend");
    }

    @Test
    void firstCgroup2MountWins() {
        MountTable t = MountTable.parse(List.of(
                "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0",
                "cgroup2 /run/other cgroup2 rw 0 0"));
        assertThat(t.cgroup2()).hasValueSatisfying(m -> assertThat(m.target()).isEqualTo("/sys/fs/cgroup/unified"));
    }
}
