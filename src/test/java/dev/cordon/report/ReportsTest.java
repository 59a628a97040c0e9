package dev.cordon.report;

import dev.cordon.report.model.RunModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The API cordon run calls: --report FILE and the GitHub step summary. */
class ReportsTest {
    @Test
    void writesTheFormatTheExtensionNames(@TempDir Path dir) throws Exception {
        RunModel m = RenderGoldenTest.deploy();
        Reports.write(m, dir.resolve("r.md"));
        assertThat(dir.resolve("r.md")).hasContent(Files.readString(Golden.resource("deploy.md")).stripTrailing());
        assertThatThrownBy(() -> Reports.write(m, dir.resolve("r.txt"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(".md, .html or .json");
        assertThat(ReportFormat.forFile(Path.of("X.HTM"))).isEqualTo(ReportFormat.HTML);
    }

    @Test
    void appendsToTheStepSummaryOnlyWhenGitHubAsksForIt(@TempDir Path dir) throws Exception {
        RunModel m = RenderGoldenTest.deploy();
        Path summary = dir.resolve("step_summary.md");
        Files.writeString(summary, "# earlier step\n");
        assertThat(Reports.appendStepSummary(m, Map.of())).isFalse();
        assertThat(Reports.appendStepSummary(m, Map.of("GITHUB_STEP_SUMMARY", summary.toString()))).isTrue();
        assertThat(Reports.appendStepSummary(m, Map.of("GITHUB_STEP_SUMMARY", summary.toString()))).isTrue();
        String text = Files.readString(summary);
        assertThat(text).startsWith("# earlier step\n## cordon: `./deploy.sh prod`");
        assertThat(text.split("## cordon: ", -1)).hasSize(3);
    }
}
