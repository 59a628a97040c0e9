package dev.cordon.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads an events file with Python's json module (an independent, strict parser), one flat map per line. */
final class JsonLines {
    private JsonLines() {}

    /** Prints each object as key US value RS ... GS, strings as they are (newlines too), everything else as JSON. */
    private static final String FLATTEN = """
            import json, sys
            for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
                try:
                    o = json.loads(line)
                except ValueError as e:
                    sys.exit("line %d is not JSON: %s: %r" % (n, e, line))
                if not isinstance(o, dict):
                    sys.exit("line %d is not a JSON object: %r" % (n, line))
                print("\\x1e".join("%s\\x1f%s" % (k, v if isinstance(v, str) else json.dumps(v)) for k, v in o.items()), end="\\x1d")
            """;

    static List<Map<String, String>> read(Path file) throws IOException, InterruptedException {
        assertThat(file).exists();
        Process p = new ProcessBuilder("python3", "-c", FLATTEN, file.toString()).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("every line of %s is a JSON object:\n%s\n--- file ---\n%s", file, out, Files.readString(file)).isZero();
        return java.util.Arrays.stream(out.split("\u001d")).filter(line -> !line.isEmpty()).map(line -> {
            Map<String, String> m = new HashMap<>();
            for (String kv : line.split("\u001e")) {
                int sep = kv.indexOf('\u001f');
                m.put(kv.substring(0, sep), kv.substring(sep + 1));
            }
            return m;
        }).toList();
    }

    /** Records of one type. */
    static List<Map<String, String>> ofType(List<Map<String, String>> records, String type) {
        return records.stream().filter(r -> type.equals(r.get("type"))).toList();
    }
}
