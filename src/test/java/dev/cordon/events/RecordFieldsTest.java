package dev.cordon.events;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The events file's attempt and query records, byte for byte, as they were before {@link Fields} became the one
 * list of their names (records.golden.jsonl was written by the hand-built JSON it replaced). Since then the
 * samples' script lines ({@code line}, after {@code exeSource}) changed two of its lines, and only by that field.
 */
class RecordFieldsTest {
    @Test
    void attemptAndQueryRecordsAreUnchangedByteForByte() throws IOException {
        List<String> json = new ArrayList<>();
        RecordSamples.attempts().forEach(a -> json.add(Formats.json(a)));
        RecordSamples.queries().forEach(q -> json.add(Formats.json(q)));
        try (InputStream in = RecordFieldsTest.class.getResourceAsStream("records.golden.jsonl")) {
            assertThat(in).as("records.golden.jsonl on the test classpath").isNotNull();
            List<String> golden = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            assertThat(golden).hasSize(10);
            assertThat(json).containsExactlyElementsOf(golden);
        }
    }
}
