package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * cordon run's exit status: the command's own; 128+N if signal N killed it; 127 not found,
 * 126 not executable, 125 cordon's own failure (here: a bad CIDR). None leaves anything behind
 * (checked by the extension after each test).
 */
class ExitStatusIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    @Test
    void theCommandsOwnStatusIsPassedThrough() {
        assertThat(kernel.run("run", "--", "sh", "-c", "exit 3").exitCode()).isEqualTo(3);
        assertThat(kernel.run("run", "--", "true").exitCode()).isZero();
        CordonResult r = kernel.run("run", "--deny-cidr", "127.0.0.2", "--", "sh", "-c", "echo out; echo err >&2; exit 42");
        assertThat(r.exitCode()).isEqualTo(42);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderrLines()).contains("err");
    }

    @Test
    void aMissingCommandExits127() {
        CordonResult byName = kernel.run("run", "--", "cordon-it-no-such-command");
        assertThat(byName.exitCode()).as("%s", byName).isEqualTo(127);
        assertThat(byName.stderr()).contains("cordon-it-no-such-command");

        CordonResult byPath = kernel.run("run", "--", kernel.dir().resolve("missing").toString());
        assertThat(byPath.exitCode()).as("%s", byPath).isEqualTo(127);
    }

    @Test
    void aNonExecutableFileExits126() throws Exception {
        Path script = kernel.dir().resolve("not-executable.sh");
        Files.writeString(script, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));

        CordonResult r = kernel.run("run", "--", script.toString());
        assertThat(r.exitCode()).as("%s", r).isEqualTo(126);
        assertThat(r.stderr()).contains("not-executable.sh");

        CordonResult dir = kernel.run("run", "--", kernel.dir().toString());
        assertThat(dir.exitCode()).as("a directory\n%s", dir).isEqualTo(126);
    }

    @Test
    void aBadCidrExits125WithoutRunningTheCommand() {
        Path marker = kernel.dir().resolve("ran");
        CordonResult r = kernel.run("run", "--deny-cidr", "300.1.2.3", "--", "touch", marker.toString());
        assertThat(r.exitCode()).as("%s", r).isEqualTo(125);
        assertThat(r.stderr()).contains("300.1.2.3");
        assertThat(marker).doesNotExist();

        CordonResult hostBits = kernel.run("run", "--allow-cidr", "10.1.2.3/8", "--", "touch", marker.toString());
        assertThat(hostBits.exitCode()).as("%s", hostBits).isEqualTo(125);
        assertThat(marker).doesNotExist();
    }

    @Test
    void aCommandKilledBySignalNExits128PlusN() {
        CordonResult killed = kernel.run("run", "--", "sh", "-c", "kill -KILL $$");
        assertThat(killed.exitCode()).as("SIGKILL = 9\n%s", killed).isEqualTo(128 + 9);

        CordonResult terminated = kernel.run("run", "--", "sh", "-c", "kill -TERM $$");
        assertThat(terminated.exitCode()).as("SIGTERM = 15\n%s", terminated).isEqualTo(128 + 15);
    }
}
