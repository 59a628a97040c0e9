package dev.cordon.policy.file;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The JSON Schema of the policy file, for editors; packaged from schema/ by the build. */
public final class PolicySchema {
    private PolicySchema() {}

    public static final String RESOURCE = "cordon-policy.schema.json";

    public static String text() {
        try (InputStream in = PolicySchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the classpath; rebuild with mvn package");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
