package dev.cordon.examples;

import dev.cordon.sys.UtilLinux;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Debian package's control file (src/deb/control, which bin/package fills in) declares what
 * cordon execs and loads, in the package names cordon's own error messages give.
 */
class DebianControlTest {
    private static final Path CONTROL = Path.of("src/deb/control");

    private static List<String> packages(String field) throws IOException {
        String line = Files.readAllLines(CONTROL).stream().filter(l -> l.startsWith(field + ": ")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + field + " in " + CONTROL));
        // "libbpf1, util-linux (>= 2.31)" -> [libbpf1, util-linux]
        return Arrays.stream(line.substring(field.length() + 2).split(","))
                .map(s -> s.strip().replaceFirst("\\s*\\(.*\\)$", "")).toList();
    }

    @Test
    void itDependsOnTheToolsThatConfineTheCommandAndOnLibbpf() throws IOException {
        List<String> depends = packages("Depends");
        // UtilLinux.INSTALL is "apt-get install util-linux mount": what cordon tells a user to install.
        for (String pkg : UtilLinux.INSTALL.replaceFirst("^apt-get install ", "").split(" ")) {
            assertThat(depends).as("Depends names what UtilLinux.INSTALL asks for").contains(pkg);
        }
        assertThat(depends).as("libbpf.so.1, loaded through FFM").contains("libbpf1");
        assertThat(depends).as("the runtime's C library, filled in by dpkg-shlibdeps").contains("@SHLIBS@");
    }

    @Test
    void theDemosDnsServerIsOnlySuggested() throws IOException {
        assertThat(packages("Suggests")).contains("dnsmasq-base");
        assertThat(packages("Depends")).doesNotContain("dnsmasq-base");
    }
}
