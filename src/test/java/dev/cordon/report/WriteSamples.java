package dev.cordon.report;

import dev.cordon.report.read.EventsFileReader;
import dev.cordon.report.render.HtmlRenderer;

import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the sample HTML reports under target/ for a look in a browser (not a test). */
public final class WriteSamples {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of("target/report-samples");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("deploy.html"), HtmlRenderer.render(EventsFileReader.read(Golden.resource("deploy.jsonl"))));
        Files.writeString(dir.resolve("ci.html"), HtmlRenderer.render(SyntheticRun.ciJob()));
    }
}
