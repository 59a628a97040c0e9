package dev.cordon.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class CommandLauncherTest {
    @TempDir
    Path tmp;

    private Path dir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name));
    }

    private static Path file(Path dir, String name, String perms) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    private static String path(Path... dirs) {
        StringBuilder sb = new StringBuilder();
        for (Path d : dirs) sb.append(sb.isEmpty() ? "" : ":").append(d);
        return sb.toString();
    }

    @Test
    void notFoundIs127() throws IOException {
        Path bin = dir("bin");
        var u = CommandLauncher.check("cordon-no-such-tool", path(bin, tmp.resolve("missing-dir"))).orElseThrow();
        assertThat(u.exitCode()).isEqualTo(127).isEqualTo(CommandLauncher.EXIT_NOT_FOUND);
        assertThat(u.message()).isEqualTo("cordon-no-such-tool: command not found");
    }

    @Test
    void emptyCommandIs127() {
        assertThat(CommandLauncher.check("", "/bin").orElseThrow().exitCode()).isEqualTo(127);
    }

    @Test
    void directoryIs126() throws IOException {
        Path bin = dir("bin");
        Files.createDirectory(bin.resolve("tool"));
        var u = CommandLauncher.check("tool", path(bin)).orElseThrow();
        assertThat(u.exitCode()).isEqualTo(126).isEqualTo(CommandLauncher.EXIT_CANNOT_EXECUTE);
        assertThat(u.message()).isEqualTo("tool: is a directory");
    }

    @Test
    void notExecutableIs126() throws IOException {
        Path bin = dir("bin");
        file(bin, "tool", "rw-r--r--");
        var u = CommandLauncher.check("tool", path(bin)).orElseThrow();
        assertThat(u.exitCode()).isEqualTo(126);
        assertThat(u.message()).isEqualTo("tool: permission denied (not executable)");
    }

    @Test
    void foundOnACustomPath() throws IOException {
        Path empty = dir("empty");
        Path bin = dir("bin");
        file(bin, "tool", "rwxr-xr-x");
        assertThat(CommandLauncher.check("tool", path(tmp.resolve("missing-dir"), empty, bin))).isEmpty();
        // and only there: the same name is not found on a PATH without that directory
        assertThat(CommandLauncher.check("tool", path(empty)).orElseThrow().exitCode()).isEqualTo(127);
    }

    @Test
    void laterExecutableWinsOverEarlierUnrunnableEntries() throws IOException {
        Path a = dir("a"), b = dir("b"), c = dir("c");
        file(a, "tool", "rw-r--r--");
        Files.createDirectory(b.resolve("tool"));
        file(c, "tool", "rwxr-xr-x");
        assertThat(CommandLauncher.check("tool", path(a, b, c))).isEmpty();
    }

    @Test
    void firstProblemIsReportedWhenNothingIsRunnable() throws IOException {
        Path a = dir("a"), b = dir("b");
        file(a, "tool", "rw-------");
        Files.createDirectory(b.resolve("tool"));
        var u = CommandLauncher.check("tool", path(a, b)).orElseThrow();
        assertThat(u.exitCode()).isEqualTo(126);
        assertThat(u.message()).contains("permission denied");
    }

    @Test
    void pathWithSlashIsUsedAsIsAndNotSearched() throws IOException {
        Path bin = dir("bin");
        Path exe = file(bin, "tool", "rwxr-xr-x");
        Path plain = file(bin, "data", "rw-r--r--");
        assertThat(CommandLauncher.check(exe.toString(), "/nonexistent")).isEmpty();

        var notExec = CommandLauncher.check(plain.toString(), path(bin)).orElseThrow();
        assertThat(notExec.exitCode()).isEqualTo(126);
        assertThat(notExec.message()).isEqualTo(plain + ": permission denied (not executable)");

        var dirAsCmd = CommandLauncher.check(bin.toString(), path(bin)).orElseThrow();
        assertThat(dirAsCmd.exitCode()).isEqualTo(126);
        assertThat(dirAsCmd.message()).isEqualTo(bin + ": is a directory");

        Path missing = bin.resolve("missing");
        var gone = CommandLauncher.check(missing.toString(), path(bin)).orElseThrow();
        assertThat(gone.exitCode()).isEqualTo(127);
        assertThat(gone.message()).isEqualTo(missing + ": no such file");

        // a relative path with a slash is not looked up in PATH even if PATH has that name
        assertThat(CommandLauncher.check("cordon-missing-subdir/tool", path(bin)).orElseThrow().exitCode())
                .isEqualTo(127);
    }

    @Test
    void defaultPathWhenUnset() {
        // PATH unset: execvp's default list, which has /bin/sh everywhere cordon runs
        assertThat(CommandLauncher.check("sh", null)).isEmpty();
        assertThat(CommandLauncher.check("cordon-no-such-tool", null).orElseThrow().exitCode()).isEqualTo(127);
    }
}
