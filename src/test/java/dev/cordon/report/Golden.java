package dev.cordon.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares output with a file under src/test/resources/dev/cordon/report/. Run with
 * {@code -Dcordon.golden.update=true} to rewrite the files after an intended change, then review the diff.
 */
public final class Golden {
    private static final Path DIR = Path.of(System.getProperty("cordon.home", "."), "src/test/resources/dev/cordon/report");

    private Golden() {}

    public static Path resource(String name) {
        return DIR.resolve(name);
    }

    public static void assertMatches(String name, String actual) throws IOException {
        Path file = DIR.resolve(name);
        if (Boolean.getBoolean("cordon.golden.update")) {
            Files.writeString(file, actual, StandardCharsets.UTF_8);
            return;
        }
        assertThat(file).as("golden file %s (create it with -Dcordon.golden.update=true)", name).exists();
        assertThat(actual).as("output differs from %s (-Dcordon.golden.update=true rewrites it)", name)
                .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    }
}
