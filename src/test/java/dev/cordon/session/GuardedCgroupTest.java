package dev.cordon.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which directories cordon guard accepts, on a cgroup tree made of plain directories. */
class GuardedCgroupTest {
    @TempDir
    Path root;

    private Path cgroup(String rel) throws IOException {
        Path p = Files.createDirectories(root.resolve(rel));
        Files.writeString(p.resolve("cgroup.procs"), "");
        return p;
    }

    @Test
    void absoluteOrRelativeToTheMountAndNeverTheRootOrOutside() throws IOException {
        Path deploy = cgroup("deploy.slice/jobs");
        assertThat(GuardedCgroup.resolve(root, "deploy.slice/jobs")).isEqualTo(deploy);
        assertThat(GuardedCgroup.resolve(root, deploy.toString())).isEqualTo(deploy);
        assertThat(GuardedCgroup.resolve(root, "deploy.slice/jobs/../jobs/")).isEqualTo(deploy);
        assertThatThrownBy(() -> GuardedCgroup.resolve(root, root.toString())).hasMessageContaining("will not guard the root cgroup");
        assertThatThrownBy(() -> GuardedCgroup.resolve(root, ".")).hasMessageContaining("will not guard the root cgroup");
        assertThatThrownBy(() -> GuardedCgroup.resolve(root, "../etc")).hasMessageContaining("is not below the cgroup2 mount");
        assertThatThrownBy(() -> GuardedCgroup.resolve(root, "/etc")).hasMessageContaining("/etc is not below the cgroup2 mount");
        assertThatThrownBy(() -> GuardedCgroup.resolve(root, " ")).hasMessageContaining("empty");
    }

    @Test
    void aMissingCgroupIsMadeOnlyWhenAsked() throws IOException {
        assertThatThrownBy(() -> GuardedCgroup.open(root, "new/one", false, Optional.empty()))
                .hasMessageContaining("no cgroup " + root.resolve("new/one") + "; make it first, or add --create");
        assertThat(root.resolve("new")).doesNotExist();
        Files.createDirectories(root.resolve("plain"));
        assertThatThrownBy(() -> GuardedCgroup.open(root, "plain", false, Optional.empty())).hasMessageContaining("not a cgroup");
        // --create on a real cgroup2 makes cgroup.procs appear; a plain directory stays plain, and is refused
        assertThatThrownBy(() -> GuardedCgroup.open(root, "made", true, Optional.empty())).hasMessageContaining("not a cgroup");
        assertThat(root.resolve("made")).as("what --create made is removed when it is refused").doesNotExist();
    }

    @Test
    void cordonMustNotRunInsideWhatItGuards() throws IOException {
        cgroup("deploy.slice");
        cgroup("deploy.slice/jobs");
        assertThatThrownBy(() -> GuardedCgroup.open(root, "deploy.slice", false, Optional.of("/deploy.slice/jobs")))
                .hasMessageContaining("cordon runs inside " + root.resolve("deploy.slice"));
        cgroup("system.slice");
        try (GuardedCgroup g = GuardedCgroup.open(root, "deploy.slice/jobs", false, Optional.of("/system.slice/cordon-guard@deploy.service"))) {
            assertThat(g.path()).isEqualTo(root.resolve("deploy.slice/jobs"));
            assertThat(g.created()).isFalse();
            assertThat(g.id()).isPositive();
        }
        assertThat(GuardedCgroup.ownCgroup(List.of("12:pids:/x", "0::/system.slice/a.service"))).contains("/system.slice/a.service");
        assertThat(GuardedCgroup.ownCgroup(List.of("12:pids:/x"))).isEmpty();
    }
}
