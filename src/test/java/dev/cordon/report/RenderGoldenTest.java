package dev.cordon.report;

import dev.cordon.report.model.RunModel;
import dev.cordon.report.read.EventsFileReader;
import dev.cordon.report.render.JsonRenderer;
import dev.cordon.report.render.MarkdownRenderer;
import dev.cordon.report.render.SummaryRenderer;
import dev.cordon.testing.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Each renderer on the deploy-script run (deploy.jsonl), against a reviewed golden file. */
class RenderGoldenTest {
    static RunModel deploy() throws Exception {
        return EventsFileReader.read(Golden.resource("deploy.jsonl"));
    }

    @Test
    void summary() throws Exception {
        Golden.assertMatches("deploy.summary.txt", SummaryRenderer.render(deploy()));
    }

    @Test
    void markdown() throws Exception {
        Golden.assertMatches("deploy.md", MarkdownRenderer.render(deploy()));
    }

    @Test
    void json() throws Exception {
        String json = JsonRenderer.render(deploy());
        Golden.assertMatches("deploy.json", json);
        // indentation and line breaks only ever sit between values: strip them, then parse strictly
        Map<String, Object> o = Json.parseObject(json.replace("\n    ", "").replace("\n  ", "").replace("\n", ""));
        assertThat(((List<?>) o.get("processes"))).hasSize(8);
    }
}
