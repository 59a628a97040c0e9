package dev.cordon.policy.file;

import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.Loopback;
import dev.cordon.policy.Mode;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The schema and the parser cannot drift: same keys, same choices; every example is valid. */
class PolicySchemaTest {
    static final Path SCHEMA = Path.of("schema", "cordon-policy.schema.json");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String... path) {
        Object cur = o;
        for (String p : path) cur = cur instanceof List<?> l ? l.get(Integer.parseInt(p)) : ((Map<String, Object>) cur).get(p);
        assertThat(cur).as(String.join("/", path)).isInstanceOf(Map.class);
        return (Map<String, Object>) cur;
    }

    private static Map<String, Object> schema() throws IOException {
        // JSON is YAML: snakeyaml reads the schema without another dependency
        return map(new Load(LoadSettings.builder().build()).loadFromString(Files.readString(SCHEMA)));
    }

    @Test
    void everyKeyTheParserKnowsIsInTheSchemaAndViceVersa() throws IOException {
        Map<String, Object> s = schema();
        assertThat(s).containsEntry("$schema", "https://json-schema.org/draft/2020-12/schema");
        assertThat(map(s, "properties").keySet()).containsExactlyInAnyOrderElementsOf(PolicyKeys.BY_MAPPING.get(PolicyKeys.TOP));
        assertThat(map(s, "properties", "dns", "properties").keySet())
                .containsExactlyInAnyOrderElementsOf(PolicyKeys.BY_MAPPING.get(PolicyKeys.DNS));
        assertThat(map(s, "properties", "limits", "properties").keySet())
                .containsExactlyInAnyOrderElementsOf(PolicyKeys.BY_MAPPING.get(PolicyKeys.LIMITS));
        assertThat(map(s, "$defs", "rules", "properties").keySet())
                .containsExactlyInAnyOrderElementsOf(PolicyKeys.BY_MAPPING.get(PolicyKeys.RULES));
        assertThat(map(s, "$defs", "rules", "properties", "cidrs", "items", "oneOf", "1", "properties").keySet())
                .containsExactlyInAnyOrderElementsOf(PolicyKeys.BY_MAPPING.get(PolicyKeys.CIDR));
        assertThat(s.get("required")).isEqualTo(List.of("version"));
        assertThat(map(s, "properties", "version").get("const")).isEqualTo(PolicyFileParser.VERSION);
    }

    @Test
    void theSchemasChoicesAreTheParsers() throws IOException {
        Map<String, Object> p = map(schema(), "properties");
        assertThat(map(p, "mode").get("enum")).isEqualTo(labels(Mode.values()));
        assertThat(map(p, "default").get("enum")).isEqualTo(labels(Action.values()));
        assertThat(map(p, "loopback").get("enum")).isEqualTo(labels(Loopback.values()));
        assertThat(map(p, "dns", "properties", "blockedResponse").get("enum")).isEqualTo(labels(BlockedResponse.values()));
    }

    private static List<String> labels(Enum<?>[] values) {
        return Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toList();
    }

    @Test
    void theJarCarriesTheSameSchema() throws IOException {
        assertThat(PolicySchema.text()).isEqualTo(Files.readString(SCHEMA));
    }

    @Test
    void everyExampleIsValidWithoutWarnings() throws IOException {
        List<Path> examples;
        try (Stream<Path> s = Files.list(Path.of("examples"))) {
            examples = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(examples).extracting(f -> f.getFileName().toString()).contains("github-blocklist.yaml", "allowlist.yaml");
        for (Path f : examples) {
            PolicyFileParser.Result r = PolicyFileParser.read(f);
            assertThat(r.problems()).as(f.toString()).isEmpty();
            assertThat(r.policy().domains()).as(f.toString()).isNotEmpty();
            assertThat(r.policy().cidrs()).as(f.toString()).anySatisfy(c -> assertThat(c.ports()).isNotEmpty());
        }
    }
}
