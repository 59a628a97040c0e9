package dev.cordon.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class StdioSocketsTest {
    @TempDir
    Path tmp;

    @Test
    void aSocketOnStdioIsNamedWithItsKind() throws IOException {
        Path fd = Files.createDirectories(tmp.resolve("fd"));
        Path net = Files.createDirectories(tmp.resolve("net"));
        Files.createSymbolicLink(fd.resolve("0"), Path.of("/dev/null"));
        Files.createSymbolicLink(fd.resolve("1"), Path.of("socket:[4242]"));
        Files.createSymbolicLink(fd.resolve("2"), Path.of("socket:[99]"));
        Files.writeString(net.resolve("tcp"), """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 20 4 30 10 -1
                """);
        assertThat(StdioSockets.warnings(fd, net)).containsExactly(
                "cordon: warning: stdout is a TCP socket opened outside the session; the command inherits it and cordon's "
                        + "programs do not see traffic on it (they see sockets created inside the session)",
                "cordon: warning: stderr is a socket opened outside the session; the command inherits it and cordon's "
                        + "programs do not see traffic on it (they see sockets created inside the session)");
    }

    @Test
    void filesPipesAndClosedDescriptorsAreFine() throws IOException {
        Path fd = Files.createDirectories(tmp.resolve("fd"));
        Files.createSymbolicLink(fd.resolve("0"), Path.of("pipe:[12]"));
        Files.createSymbolicLink(fd.resolve("1"), Path.of("/tmp/out.log"));
        assertThat(StdioSockets.warnings(fd, tmp.resolve("net"))).isEmpty();
    }
}
