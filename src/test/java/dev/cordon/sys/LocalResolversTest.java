package dev.cordon.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LocalResolversTest {
    @Test
    void presentKeepsWhatExistsInTheRightShapeOncePerRealPath(@TempDir Path tmp) throws IOException {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Path nscd = Files.createDirectories(run.resolve("nscd"));
        Path varRun = Files.createSymbolicLink(tmp.resolve("var-run"), run); // /var/run -> /run
        Path resolve = Files.createDirectories(run.resolve("systemd/resolve"));
        Path notASocket = Files.writeString(resolve.resolve("io.systemd.Resolve"), "");
        List<LocalResolvers.Endpoint> candidates = List.of(
                new LocalResolvers.Endpoint("nscd", nscd, true, "a"),
                new LocalResolvers.Endpoint("nscd", varRun.resolve("nscd"), true, "a"),
                new LocalResolvers.Endpoint("systemd-resolved", notASocket, false, "b"),
                new LocalResolvers.Endpoint("gone", tmp.resolve("missing"), true, "c"));
        assertThat(LocalResolvers.present(candidates)).extracting(LocalResolvers.Endpoint::path).containsExactly(nscd.toRealPath());

        Files.delete(notASocket);
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(notASocket));
            assertThat(LocalResolvers.present(candidates)).extracting(LocalResolvers.Endpoint::daemon).containsExactly("nscd", "systemd-resolved");
        }
    }

    @Test
    void theKnownPathsAreGlibcsAndSystemds() {
        assertThat(LocalResolvers.KNOWN).extracting(e -> e.path().toString())
                .contains("/var/run/nscd", "/run/nscd", "/run/systemd/resolve/io.systemd.Resolve");
    }
}
