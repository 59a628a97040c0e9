package dev.cordon.session;

import dev.cordon.events.Executable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ScriptShellsTest {
    @TempDir
    Path dir;

    @Test
    void aShellsArgvRunsAScriptUnlessACommandStringOrNothing() {
        assertThat(ScriptShells.script(List.of("/bin/bash", "./deploy.sh", "prod"))).isEqualTo("./deploy.sh");
        assertThat(ScriptShells.script(List.of("bash", "-e", "-o", "pipefail", "deploy.sh"))).isEqualTo("deploy.sh");
        assertThat(ScriptShells.script(List.of("bash", "--norc", "--", "-odd.sh"))).isEqualTo("-odd.sh");
        assertThat(ScriptShells.script(List.of("bash", "-c", "curl x", "deploy.sh"))).isNull();
        assertThat(ScriptShells.script(List.of("sh", "-ec", "curl x"))).isNull();
        assertThat(ScriptShells.script(List.of("bash"))).isNull();
        assertThat(ScriptShells.script(List.of("bash", "-s"))).isNull();
    }

    @Test
    void onlyAnExecOfAFileNamedLikeAShellOrNotNamedWholeIsLookedAt() {
        assertThat(ScriptShells.mayBeShell(exe("/usr/bin/bash", false))).isTrue();
        assertThat(ScriptShells.mayBeShell(exe("/usr/bin/dash", false))).isTrue();
        assertThat(ScriptShells.mayBeShell(exe("/tmp/bash5.2 (deleted)", false))).isTrue();
        assertThat(ScriptShells.mayBeShell(exe("/usr/bin/curl", false))).isFalse();
        assertThat(ScriptShells.mayBeShell(exe("/opt/bash/bin/curl", false))).isFalse(); // a directory named bash is not a shell
        assertThat(ScriptShells.mayBeShell(exe("/usr/bin/curl (deleted)", false))).isFalse();
        assertThat(ScriptShells.mayBeShell(exe("/deep/path/usr/bin/curl", true))).isTrue(); // cut: /proc says
        assertThat(ScriptShells.mayBeShell(null)).isTrue(); // the kernel could not read it: /proc says
    }

    private static Executable exe(String path, boolean truncated) {
        return new Executable(path, Executable.Source.EXEC, truncated);
    }

    @Test
    void theCommandsInterpreterIsACandidateFoundAsExecvpWould() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path bash = Files.copy(Path.of("/bin/bash"), bin.resolve("bash"));
        Path script = Files.writeString(dir.resolve("deploy.sh"), "#!/usr/bin/env bash\necho hi\n");
        Path direct = Files.writeString(dir.resolve("direct.sh"), "#! " + bash + " -e\n");
        assertThat(ScriptShells.interpreter(script, List.of(bin))).contains(bash);
        assertThat(ScriptShells.interpreter(direct, List.of())).contains(bash);
        assertThat(ScriptShells.interpreter(Files.writeString(dir.resolve("plain"), "echo"), List.of(bin))).isEmpty();

        List<Path> c = ScriptShells.candidates(List.of(script.toString()), bin + ":relative/dir");
        assertThat(c).contains(bash, script).doesNotContain(Path.of("relative/dir/bash"));
        assertThat(Set.copyOf(c)).hasSameSizeAs(c);
    }
}
