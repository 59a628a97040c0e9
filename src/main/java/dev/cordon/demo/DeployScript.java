package dev.cordon.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The example deploy script, modelled on GitHub's MySQL incident scenario: examples/deploy.sh,
 * shipped in the jar. It reads the web servers' port from DEMO_HTTP_PORT (default 8080).
 */
final class DeployScript {
    private DeployScript() {}

    static final String PORT_VARIABLE = "DEMO_HTTP_PORT";

    static String text() {
        try (InputStream in = DeployScript.class.getResourceAsStream("deploy.sh")) {
            if (in == null) throw new IllegalStateException("deploy.sh is missing from the jar; rebuild with mvn package");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
