package dev.cordon.session;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class Cgroup2Test {
    @Test
    void pureV2() {
        List<String> mounts = List.of(
                "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0",
                "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0",
                "bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0");
        assertThat(Cgroup2.findMount(mounts)).contains(Path.of("/sys/fs/cgroup"));
    }

    @Test
    void hybrid() {
        List<String> mounts = List.of(
                "tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,mode=755 0 0",
                "cgroup /sys/fs/cgroup/systemd cgroup rw,nosuid,nodev,noexec,relatime,xattr,name=systemd 0 0",
                "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0",
                "cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0",
                "cgroup /sys/fs/cgroup/pids cgroup rw,nosuid,nodev,noexec,relatime,pids 0 0");
        assertThat(Cgroup2.findMount(mounts)).contains(Path.of("/sys/fs/cgroup/unified"));
    }

    @Test
    void matchesTheFilesystemTypeNotTheSourceOrPath() {
        List<String> mounts = List.of(
                "cgroup2 /mnt/not-really tmpfs rw 0 0",            // source says cgroup2, type does not
                "tmpfs /run/cgroup2 tmpfs rw 0 0",                 // path says cgroup2
                "none /sys/fs/cgroup/v2 cgroup2 rw,relatime 0 0"); // the real one, source "none"
        assertThat(Cgroup2.findMount(mounts)).contains(Path.of("/sys/fs/cgroup/v2"));
    }

    @Test
    void octalEscapesInTheMountPointAreDecoded() {
        assertThat(Cgroup2.findMount(List.of("none /mnt/my\\040cgroup cgroup2 rw 0 0")))
                .contains(Path.of("/mnt/my cgroup"));
        assertThat(Cgroup2.findMount(List.of("none /mnt/tab\\011and\\134back\\012nl cgroup2 rw 0 0")))
                .contains(Path.of("/mnt/tab\tand\\back\nnl"));
    }

    @Test
    void unescapeLeavesOtherBackslashesAlone() {
        assertThat(Cgroup2.unescape("a\\040b")).isEqualTo("a b");
        assertThat(Cgroup2.unescape("a\\04")).isEqualTo("a\\04");
        assertThat(Cgroup2.unescape("a\\089")).isEqualTo("a\\089");
        assertThat(Cgroup2.unescape("\\")).isEqualTo("\\");
        assertThat(Cgroup2.unescape("plain")).isEqualTo("plain");
    }

    @Test
    void firstCgroup2MountWins() {
        List<String> mounts = List.of(
                "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0",
                "cgroup2 /tmp/second cgroup2 rw 0 0");
        assertThat(Cgroup2.findMount(mounts)).contains(Path.of("/sys/fs/cgroup/unified"));
    }

    @Test
    void noneIsEmpty() {
        assertThat(Cgroup2.findMount(List.of())).isEmpty();
        assertThat(Cgroup2.findMount(List.of(
                "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0",
                "",
                "garbage",
                "proc /proc proc rw 0 0"))).isEmpty();
    }
}
