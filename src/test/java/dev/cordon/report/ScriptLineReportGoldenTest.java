package dev.cordon.report;

import dev.cordon.events.ScriptLine;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.read.EventsFileReader;
import dev.cordon.report.render.HtmlRenderer;
import dev.cordon.report.render.JsonRenderer;
import dev.cordon.report.render.MarkdownRenderer;
import dev.cordon.report.render.SummaryRenderer;
import org.junit.jupiter.api.Test;

import java.io.StringReader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A deploy script's run with its script lines (lines.jsonl: a download blocked at deploy.sh:9, one
 * that xargs started from line 10, a migration started from lib.sh:6 through line 12 that waited on
 * a simulated outage, a notification from the EXIT trap), in each renderer, against reviewed golden
 * files. RenderGoldenTest's files, unchanged, show a run without lines renders as before.
 */
class ScriptLineReportGoldenTest {
    static RunModel run() throws Exception {
        return EventsFileReader.read(Golden.resource("lines.jsonl"));
    }

    @Test
    void theReaderBuildsEachChainOutermostFirst() throws Exception {
        RunModel m = run();
        assertThat(m.hasScriptLines()).isTrue();
        assertThat(m.processes()).filteredOn(p -> p.pid() == 104).singleElement()
                .satisfies(p -> assertThat(p.line()).hasToString("./deploy.sh:12 > ./lib.sh:6"))
                .satisfies(p -> assertThat(p.attempts().getFirst().line()).isEqualTo(p.line()));
        assertThat(m.processes()).filteredOn(p -> p.pid() == 105).singleElement()
                .satisfies(p -> assertThat(p.line()).isEqualTo(new ScriptLine("./deploy.sh", 0, "EXIT")));
        assertThat(m.startsAtLine(m.processes().stream().filter(p -> p.pid() == 103).findFirst().orElseThrow()))
                .as("xargs's curl has the line xargs had: the tree names it once").isFalse();
    }

    @Test
    void summary() throws Exception {
        Golden.assertMatches("lines.summary.txt", SummaryRenderer.render(run()));
        assertThat(SummaryRenderer.render(run())).contains("github.com", "./deploy.sh:9");
    }

    @Test
    void markdown() throws Exception {
        String md = MarkdownRenderer.render(run());
        Golden.assertMatches("lines.md", md);
        assertThat(md).contains("The step that waited is `./deploy.sh:12 > ./lib.sh:6`.");
    }

    @Test
    void json() throws Exception {
        Golden.assertMatches("lines.json", JsonRenderer.render(run()));
    }

    @Test
    void htmlNamesTheLineBesideEachDestinationStepAndProcess() throws Exception {
        String html = HtmlRenderer.render(run());
        assertThat(html).contains("<th>script line</th>", "<th>step</th>", "code.line{")
                .contains("<p>The step that waited is <code class=\"line\" title=\"./deploy.sh:12 &gt; ./lib.sh:6\">"
                        + "./deploy.sh:12 &gt; ./lib.sh:6</code>.</p>")
                .contains("<td><code class=\"line\" title=\"./deploy.sh:9\">./deploy.sh:9</code></td>")
                .contains("<span class=\"line\">from <code class=\"line\" title=\"./deploy.sh (EXIT trap)\">./deploy.sh (EXIT trap)</code></span>")
                .contains("data-search=\"101 curl -fss https://github.com/acme/tool.tgz /usr/bin/curl ./deploy.sh:9 github.com\""); // lower case: the filter ignores case
        assertThat(HtmlRenderer.render(RenderGoldenTest.deploy())).as("a run without lines").doesNotContain("script line", "code.line");
    }

    @Test
    void aLineRecordThatIsNotAListOfFilesIsAnError() {
        String bad = "{\"time\":\"2026-11-21T12:00:00Z\",\"type\":\"exec\",\"pid\":1,\"line\":{\"file\":\"x\"}}\n";
        assertThatThrownBy(() -> EventsFileReader.read(new StringReader(bad), "x.jsonl")).hasMessageContaining("\"line\" must be an array");
        String noFile = "{\"time\":\"2026-11-21T12:00:00Z\",\"type\":\"exec\",\"pid\":1,\"line\":[{\"line\":3}]}\n";
        assertThatThrownBy(() -> EventsFileReader.read(new StringReader(noFile), "x.jsonl")).hasMessageContaining("without \"file\"");
    }
}
