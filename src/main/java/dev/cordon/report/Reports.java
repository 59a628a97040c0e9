package dev.cordon.report;

import dev.cordon.report.model.RunModel;
import dev.cordon.report.render.MarkdownRenderer;
import dev.cordon.report.render.SummaryRenderer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/** What {@code cordon run} does with a finished run: the stderr summary, {@code --report FILE}, the GitHub step summary. */
public final class Reports {
    public static final String STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY";

    private Reports() {}

    /** The end-of-run lines for stderr; empty when nothing was blocked, audited or down. */
    public static String summary(RunModel model) {
        return SummaryRenderer.render(model);
    }

    /**
     * Writes the report in the format the file's extension names (.md, .html, .json).
     *
     * @throws IllegalArgumentException for another extension (check it with {@link ReportFormat#forFile} before the run)
     */
    public static void write(RunModel model, Path file) throws IOException {
        Files.writeString(file, ReportFormat.forFile(file).render(model), StandardCharsets.UTF_8);
    }

    /**
     * Appends the Markdown report to the file {@code $GITHUB_STEP_SUMMARY} names, as GitHub Actions
     * expects (several steps append to one file).
     *
     * @return whether the variable was set and the report appended
     */
    public static boolean appendStepSummary(RunModel model, Map<String, String> env) throws IOException {
        String target = env.get(STEP_SUMMARY_ENV);
        if (target == null || target.isBlank()) return false;
        Files.writeString(Path.of(target), MarkdownRenderer.render(model) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        return true;
    }
}
