package dev.cordon.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LauncherArgsTest {
    @Test
    void nulTerminatedArgumentsComeBackAsGiven() {
        byte[] raw = "run\0--deny-cidr=10.0.0.1\0\0a b\nc\0é\0".getBytes(StandardCharsets.UTF_8);
        assertThat(LauncherArgs.split(raw, StandardCharsets.UTF_8)).containsExactly("run", "--deny-cidr=10.0.0.1", "", "a b\nc", "é");
        assertThat(LauncherArgs.split(new byte[0], StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void argumentsCutShortAreAnErrorNotAGuess() {
        assertThatThrownBy(() -> LauncherArgs.split("run\0--deny".getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
                .hasMessageContaining("cut short");
    }

    @Test
    void onlyTheLaunchersOwnFormIsRead() {
        String[] plain = {"run", "--", "echo", "--launcher-args=3"};
        assertThat(LauncherArgs.expand(plain)).isSameAs(plain);
        String[] notAnFd = {"--launcher-args=x"};
        assertThat(LauncherArgs.expand(notAnFd)).isSameAs(notAnFd);
    }
}
