package dev.cordon.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every Libc wrapper called with each argument shape it accepts (null included), so a wrapper that
 * cannot even be invoked fails here and not on a user's host. Safe as root or not: nothing is
 * mounted, signalled or changed outside the test's own temporary directory.
 */
class LibcTest {
    private static final int ENOENT = 2, ENOTDIR = 20;

    @Test
    void mountWithAndWithoutDataReachesTheKernel(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-mount-point");
        // ENOENT (no mount point) as root, EPERM otherwise: either way the kernel answered, so the call is well-typed
        for (String data : new String[] {null, "mode=0700"}) {
            assertThatThrownBy(() -> Libc.mount("none", missing.toString(), "tmpfs", data))
                    .isInstanceOf(Libc.ErrnoException.class)
                    .hasMessageStartingWith("mount -t tmpfs none " + missing + ": ");
        }
    }

    @Test
    void openDirectoryAndClose(@TempDir Path dir) throws IOException {
        int fd = Libc.openDirectory(dir.toString());
        assertThat(fd).isGreaterThanOrEqualTo(0);
        Libc.close(fd);
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertThatThrownBy(() -> Libc.openDirectory(file.toString())).isInstanceOfSatisfying(Libc.ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(ENOTDIR));
        assertThatThrownBy(() -> Libc.openDirectory(dir.resolve("missing").toString())).isInstanceOfSatisfying(Libc.ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(ENOENT));
    }

    @Test
    void killWithSignalZeroProbesAProcess() throws Exception {
        assertThat(Libc.kill((int) ProcessHandle.current().pid(), 0)).isTrue();
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        assertThat(Libc.kill((int) p.pid(), 0)).as("a reaped child no longer exists").isFalse();
    }

    @Test
    void processAndTerminalQueries() {
        assertThat(Libc.getpgrp()).isPositive();
        assertThat(Libc.tcgetpgrp(-1)).isEqualTo(-1);
        assertThat(Libc.geteuid()).isGreaterThanOrEqualTo(0);
        assertThat(Libc.strerror(ENOENT)).isEqualTo("No such file or directory");
    }

    @Test
    void setNotDumpableSucceeds() throws Exception {
        Libc.setNotDumpable(); // this test JVM only; a process may still read its own /proc entries
        assertThat(Files.readString(Path.of("/proc/self/status"))).contains("Pid:");
    }

    @Test
    void getxattrReadsAnAttributeAndSaysWhenThereIsNone(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "x");
        Files.getFileAttributeView(file, UserDefinedFileAttributeView.class)
                .write("cordon.test", ByteBuffer.wrap(new byte[] {1, 0, 0, 2}));
        assertThat(Libc.getxattr(file.toString(), "user.cordon.test")).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 0, 0, 2));
        Files.getFileAttributeView(file, UserDefinedFileAttributeView.class).write("cordon.empty", ByteBuffer.allocate(0));
        assertThat(Libc.getxattr(file.toString(), "user.cordon.empty")).hasValueSatisfying(v -> assertThat(v).isEmpty());
        assertThat(Libc.getxattr(file.toString(), "user.cordon.absent")).as("ENODATA").isEmpty();
        assertThatThrownBy(() -> Libc.getxattr(dir.resolve("missing").toString(), "user.cordon.test"))
                .isInstanceOfSatisfying(Libc.ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(ENOENT));
    }

    @Test
    void cStringOrNullGivesNullForNull() {
        try (var a = java.lang.foreign.Arena.ofConfined()) {
            assertThat(Libc.cStringOrNull(a, null)).isEqualTo(java.lang.foreign.MemorySegment.NULL);
            assertThat(Libc.cStringOrNull(a, "bpf").getString(0)).isEqualTo("bpf");
        }
    }
}
