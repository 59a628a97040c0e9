package dev.cordon;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package layers of docs/ARCHITECTURE.md, read from the sources' imports: a package imports only
 * packages of a lower layer, so there is no cycle and no import runs back up (dns never reaches
 * kernel or session; report never reaches kernel or session; sys and policy import nothing of ours).
 */
class PackageLayersTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/cordon");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.cordon\\.([a-z.]+?)\\.[A-Z]", Pattern.MULTILINE);

    /** Each package's layer; a package may import only from lower layers. A new package gets its place here. */
    private static final Map<String, Integer> LAYER = Map.ofEntries(
            Map.entry("sys", 0), Map.entry("policy", 0),
            Map.entry("libbpf", 1), Map.entry("policy.file", 1), Map.entry("events", 1), Map.entry("limits", 1),
            Map.entry("kernel", 2), Map.entry("dns", 2), Map.entry("otlp", 2), Map.entry("report.model", 2),
            Map.entry("report.analysis", 3), Map.entry("report.read", 3), Map.entry("report.suggest", 3),
            Map.entry("report.render", 4), Map.entry("report.live", 4),
            Map.entry("report", 5), Map.entry("metrics", 5),
            Map.entry("doctor", 6), Map.entry("session", 6),
            Map.entry("demo", 7),
            Map.entry("cli", 8));

    @Test
    void everyImportGoesDownALayer() throws IOException {
        List<String> wrong = new ArrayList<>();
        imports().forEach((edge, file) -> {
            String[] ab = edge.split(" -> ");
            Integer from = LAYER.get(ab[0]), to = LAYER.get(ab[1]);
            if (from == null || to == null) {
                wrong.add("no layer for " + (from == null ? ab[0] : ab[1]) + " (" + file + ")");
            } else if (to >= from) {
                wrong.add(edge + " (layer " + from + " imports layer " + to + ", e.g. " + file + ")");
            }
        });
        assertThat(wrong).as("imports that do not go down a layer").isEmpty();
    }

    @Test
    void theSourcesAreRead() throws IOException {
        assertThat(imports()).as("kernel imports libbpf").containsKey("kernel -> libbpf");
    }

    /** "a -> b" for each package a importing one of b's classes, with one file that does. */
    private static Map<String, Path> imports() throws IOException {
        Map<String, Path> edges = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = SOURCES.relativize(f.getParent()).toString().replace('/', '.');
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) edges.putIfAbsent(pkg + " -> " + m.group(1), SOURCES.relativize(f));
                }
            }
        }
        return edges;
    }
}
