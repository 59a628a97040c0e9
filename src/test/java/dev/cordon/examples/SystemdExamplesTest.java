package dev.cordon.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * examples/systemd as systemd reads them: {@code systemd-analyze verify} in a root made of this
 * host's systemd units, the examples and stand-ins for the binaries they run. An unknown key or a
 * bad value is only a warning to systemd, so any output fails the test.
 */
class SystemdExamplesTest {
    private static final Path EXAMPLES = Path.of("examples/systemd");

    @TempDir
    Path root;

    @Test
    void theGuardUnitItsSliceAndATaskVerify() throws IOException, InterruptedException {
        Path units = Path.of("/usr/lib/systemd/system");
        assertThat(units).as("systemd's units (Debian's systemd package) for systemd-analyze").isDirectory();
        copyTree(units, root.resolve("usr/lib/systemd/system"));
        Path etc = Files.createDirectories(root.resolve("etc/systemd/system"));
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            for (Path f : s.toList()) Files.copy(f, etc.resolve(f.getFileName()));
        }
        for (String exe : List.of("usr/bin/cordon", "opt/deploy/web.sh", "bin/kill")) {
            Path p = root.resolve(exe);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "#!/bin/sh\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Process p = new ProcessBuilder("systemd-analyze", "verify", "--man=no", "--root=" + root,
                "cordon-guard@deploy.service", "deploy.slice", "deploy-task@web.service").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).as("systemd-analyze says nothing about the examples").isEmpty();
        assertThat(Files.readString(etc.resolve("cordon-guard@.service")))
                .contains("ExecStart=/usr/bin/cordon guard --unit %i.slice --policy /etc/cordon/%i.yaml");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path f : s.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isSymbolicLink(f) && Files.readSymbolicLink(f).equals(Path.of("/dev/null"))) {
                    continue; // a masked unit: not needed to verify ours
                } else if (Files.isSymbolicLink(f)) {
                    Files.createDirectories(t.getParent());
                    Files.createSymbolicLink(t, Files.readSymbolicLink(f));
                } else if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t);
                }
            }
        }
    }
}
