package dev.cordon.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SystemdTest {
    @TempDir
    Path tmp;

    @Test
    void withoutSystemdAsPid1UnitIsRefusedAndPointsAtCgroup() {
        List<List<String>> asked = new ArrayList<>();
        Systemd s = new Systemd(tmp.resolve("no-such-dir"), argv -> {
            asked.add(argv);
            return "/x";
        });
        assertThatThrownBy(() -> s.controlGroup("deploy.slice")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("--unit needs systemd as PID 1").hasMessageContaining("--cgroup PATH");
        assertThat(asked).as("systemctl is not even tried").isEmpty();
    }

    @Test
    void underSystemdTheUnitsControlGroupIsAskedFor() throws IOException {
        Files.createDirectories(tmp.resolve("system"));
        List<List<String>> asked = new ArrayList<>();
        Systemd s = new Systemd(tmp.resolve("system"), argv -> {
            asked.add(argv);
            return "/deploy.slice/deploy-web.service\n";
        });
        assertThat(s.controlGroup("deploy-web.service")).isEqualTo("/deploy.slice/deploy-web.service");
        assertThat(asked).containsExactly(List.of("systemctl", "show", "--property=ControlGroup", "--value", "--", "deploy-web.service"));
    }

    @Test
    void aUnitWithoutCgroupOrABadNameIsSaid() throws IOException {
        Files.createDirectories(tmp.resolve("system"));
        Systemd s = new Systemd(tmp.resolve("system"), argv -> "\n");
        assertThatThrownBy(() -> s.controlGroup("idle.slice")).hasMessageContaining("systemd knows no cgroup for idle.slice");
        assertThatThrownBy(() -> s.controlGroup("--all")).hasMessageContaining("not a unit name");
        Systemd failing = new Systemd(tmp.resolve("system"), argv -> {
            throw new IOException("systemctl exited 1: Failed to connect to bus");
        });
        assertThatThrownBy(() -> failing.controlGroup("x.service")).hasMessageContaining("Failed to connect to bus");
    }
}
