package dev.cordon.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whether a binary is a bash cordon reads lines from. The host's bash (every build machine has
 * one: bin/ is bash) is the readable case; the kernel tests run scripts in it and in Debian's
 * bash-static, and docs/DESIGN.md lists the builds checked by hand.
 */
class ShellBinaryTest {
    @TempDir
    Path dir;

    @Test
    void theHostsBashIsReadable() {
        ShellBinary b = ShellBinary.examine(Path.of("/bin/bash"));
        assertThat(b).as("%s", b).isInstanceOf(ShellBinary.Readable.class);
        ShellBinary.Readable r = (ShellBinary.Readable) b;
        assertThat(r.version()).matches("[45]\\.\\d+(\\.\\d+)?");
        ShellBinary.Layout l = r.layout();
        assertThat(l.probeVaddr()).isPositive();
        assertThat(l.lineNumber()).isPositive().isNotEqualTo(l.globalVariables()).isNotEqualTo(l.runningTrap());
        assertThat(r.probeOffset()).isPositive();
        assertThat(l.arrayHead()).isEqualTo(ShellBinary.VERSIONS.get(r.version().substring(0, 3)).arrayHead());
    }

    @Test
    void bashHashesNamesAsItsVersionDoes() {
        // hash_string: FNV-1 from bash 5.0, from 0 before; these values come from bash's own hashlib.c
        assertThat(ShellBinary.VERSIONS.get("5.2").hash("BASH_SOURCE")).isEqualTo(0x929d46fd);
        assertThat(ShellBinary.VERSIONS.get("4.4").hash("")).isZero();
        assertThat(ShellBinary.VERSIONS.get("5.0").hash("")).isEqualTo((int) 2166136261L);
        assertThat(ShellBinary.VERSIONS.get("4.4").hash("a")).isEqualTo('a');
    }

    @Test
    void anythingElseIsUnreadableAndSaysWhy() throws IOException {
        assertThat(ShellBinary.examine(Files.writeString(dir.resolve("deploy.sh"), "#!/bin/sh\n")))
                .isEqualTo(new ShellBinary.Unreadable(dir.resolve("deploy.sh"), "it is not an ELF file"));
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        assertThat(ShellBinary.examine(java)).isEqualTo(new ShellBinary.Unreadable(java,
                "cordon reads script lines from bash only, and this is not bash"));
        assertThat(ShellBinary.examine(dir.resolve("missing"))).isInstanceOf(ShellBinary.Unreadable.class)
                .extracting(s -> ((ShellBinary.Unreadable) s).why()).asString().startsWith("it cannot be read");
    }
}
