package dev.cordon.report;

import dev.cordon.report.model.Executables;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** When a report shows the file that ran beside a command line. */
class ExecutablesTest {
    @Test
    void aCommandLineThatNamesItsProgramNeedsNoExecutable() {
        assertThat(Executables.unlessNamed("curl -sS http://x/", "/usr/bin/curl")).isNull();
        assertThat(Executables.unlessNamed("/usr/bin/curl -sS", "/usr/bin/curl")).isNull();
        assertThat(Executables.unlessNamed("python3 migrate.py", "/usr/bin/python3.11")).isNull();
        assertThat(Executables.unlessNamed("python migrate.py", "/usr/bin/python3.11")).isNull();
        assertThat(Executables.unlessNamed("gcc -c x.c", "/usr/bin/gcc-12")).isNull();
        assertThat(Executables.unlessNamed("curl", null)).as("unknown").isNull();
    }

    @Test
    void aDisguiseAnAliasOrADeletedFileIsShown() {
        assertThat(Executables.unlessNamed("innocent -sS http://github.com/", "/usr/bin/curl")).isEqualTo("/usr/bin/curl");
        assertThat(Executables.unlessNamed("/bin/sh ./deploy.sh", "/usr/bin/dash")).isEqualTo("/usr/bin/dash");
        assertThat(Executables.unlessNamed("c http://x/", "/usr/bin/curl")).as("a prefix is not a version").isEqualTo("/usr/bin/curl");
        assertThat(Executables.unlessNamed("curl", "/usr/bin/curlx")).isEqualTo("/usr/bin/curlx");
        assertThat(Executables.unlessNamed("tool", "/tmp/tool (deleted)")).isEqualTo("/tmp/tool (deleted)");
        assertThat(Executables.unlessNamed("", "/usr/bin/curl")).isEqualTo("/usr/bin/curl");
        assertThat(Executables.unlessNamed(null, "/usr/bin/curl")).isEqualTo("/usr/bin/curl");
    }
}
