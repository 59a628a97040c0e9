package dev.cordon.sys;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MountTableTest {
    /** /proc/self/mountinfo of a hybrid host (these build machines), abridged. */
    static final List<String> HYBRID_MOUNTINFO = List.of(
            "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw",
            "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard",
            "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
            "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
            "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
            "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
            "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
            "45 23 0:40 / /sys/fs/bpf rw,relatime shared:12 - bpf bpf rw,mode=700");

    @Test
    void parsesMountinfoFieldsAroundTheOptionalOnes() {
        MountTable t = MountTable.parse(HYBRID_MOUNTINFO);
        assertThat(t.at(Path.of("/sys/fs/bpf"), "bpf")).hasValueSatisfying(m -> {
            assertThat(m.id()).isEqualTo(45);
            assertThat(m.parentId()).isEqualTo(23);
            assertThat(m.source()).isEqualTo("bpf");
            assertThat(m.root()).isEqualTo("/");
            assertThat(m.options()).containsExactly("rw", "relatime");
            assertThat(m.superOptions()).containsExactly("rw", "mode=700");
            assertThat(m.hasOption("mode=700")).isTrue();
        });
    }

    @Test
    void findsCgroup2AndV1HierarchiesOnAHybridHost() {
        MountTable t = MountTable.parse(HYBRID_MOUNTINFO);
        assertThat(t.cgroup2()).hasValueSatisfying(m -> {
            assertThat(m.target()).isEqualTo("/sys/fs/cgroup/unified");
            assertThat(m.readOnly()).isFalse();
            assertThat(m.hasOption("nsdelegate")).isFalse();
        });
        assertThat(t.cgroupV1()).extracting(MountTable.Mount::target)
                .containsExactly("/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/systemd");
        assertThat(t.cgroupV1With("pids")).extracting(MountTable.Mount::target).containsExactly("/sys/fs/cgroup/pids");
    }

    @Test
    void cgroup2MountedOverAHybridTreeHidesTheOldOneThoughTheTableListsItFirst() {
        List<String> lines = new java.util.ArrayList<>(HYBRID_MOUNTINFO);
        lines.add("60 31 0:38 / /sys/fs/cgroup rw,relatime - cgroup2 none rw,nsdelegate"); // stacked on the tmpfs
        MountTable t = MountTable.parse(lines);
        assertThat(t.cgroup2()).hasValueSatisfying(m -> {
            assertThat(m.target()).isEqualTo("/sys/fs/cgroup");
            assertThat(m.hasOption("nsdelegate")).isTrue();
        });
        assertThat(t.cgroupV1()).as("the v1 hierarchies under the old tmpfs are hidden too").isEmpty();
        assertThat(t.visible()).extracting(MountTable.Mount::target).doesNotContain("/sys/fs/cgroup/unified")
                .contains("/sys/fs/bpf", "/sys");
    }

    @Test
    void aMountOnTopOfAnotherAtTheSamePointHidesIt() {
        MountTable t = MountTable.parse(List.of(
                "27 1 254:0 / / rw - ext4 /dev/vda rw",
                "45 27 0:40 / /sys/fs/bpf rw - bpf bpf rw",
                "70 45 0:41 / /sys/fs/bpf rw - tmpfs tmpfs rw"));
        assertThat(t.at(Path.of("/sys/fs/bpf"), "bpf")).isEmpty();
        assertThat(t.at(Path.of("/sys/fs/bpf"), "tmpfs")).isPresent();
    }

    @Test
    void submountsAndTheirAncestorsAreBothVisible() {
        MountTable t = MountTable.parse(HYBRID_MOUNTINFO);
        assertThat(t.visible()).hasSameSizeAs(HYBRID_MOUNTINFO);
    }

    @Test
    void procMountsLinesWorkWithTableOrderForVisibility() {
        MountTable t = MountTable.parse(List.of(
                "tmpfs /sys/fs/cgroup tmpfs rw 0 0",
                "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0",
                "bpf /sys/fs/bpf bpf rw,mode=700 0 0",
                "none /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0"));
        assertThat(t.cgroup2()).hasValueSatisfying(m -> assertThat(m.target()).isEqualTo("/sys/fs/cgroup"));
        assertThat(t.at(Path.of("/sys/fs/bpf"), "bpf")).isPresent();
    }

    @Test
    void firstVisibleCgroup2MountWins() {
        MountTable t = MountTable.parse(List.of(
                "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0",
                "cgroup2 /run/other cgroup2 rw 0 0"));
        assertThat(t.cgroup2()).hasValueSatisfying(m -> assertThat(m.target()).isEqualTo("/sys/fs/cgroup/unified"));
    }

    @Test
    void matchesTheFilesystemTypeNotTheSourceOrPath() {
        MountTable t = MountTable.parse(List.of(
                "cgroup2 /mnt/not-really tmpfs rw 0 0",
                "tmpfs /run/cgroup2 tmpfs rw 0 0",
                "none /sys/fs/cgroup/v2 cgroup2 rw,relatime 0 0"));
        assertThat(t.cgroup2()).hasValueSatisfying(m -> assertThat(m.target()).isEqualTo("/sys/fs/cgroup/v2"));
    }

    @Test
    void unescapesOctalAndSkipsLinesOfNeitherShape() {
        MountTable t = MountTable.parse(List.of(
                "none /mnt/my\\040cgroups\\134x cgroup2 ro,nosuid 0 0",
                "50 27 0:50 / /mnt/tab\\011and\\012nl rw - tmpfs a\\040b rw",
                "garbage",
                "1 2 3 4 5 6 7 8 9 no-dash-here",
                ""));
        assertThat(t.mounts()).hasSize(2);
        assertThat(t.mounts().getFirst()).satisfies(m -> {
            assertThat(m.target()).isEqualTo("/mnt/my cgroups\\x");
            assertThat(m.readOnly()).isTrue();
            assertThat(m.options()).containsExactly("ro", "nosuid");
        });
        assertThat(t.mounts().get(1)).satisfies(m -> {
            assertThat(m.target()).isEqualTo("/mnt/tab\tand\nnl");
            assertThat(m.source()).isEqualTo("a b");
        });
        assertThat(MountTable.unescape("a\\04")).isEqualTo("a\\04");
        assertThat(MountTable.unescape("a\\089")).isEqualTo("a\\089");
        assertThat(MountTable.unescape("\\")).isEqualTo("\\");
    }

    @Test
    void readsThisHostsTable() throws Exception {
        MountTable t = MountTable.read();
        assertThat(t.mounts()).isNotEmpty().allSatisfy(m -> assertThat(m.id()).isNotNegative());
        assertThat(t.visible()).extracting(MountTable.Mount::target).contains("/", "/proc");
    }
}
