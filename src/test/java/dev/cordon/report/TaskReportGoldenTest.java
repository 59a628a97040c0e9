package dev.cordon.report;

import dev.cordon.events.Escape;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.read.EventsFileReader;
import dev.cordon.report.render.HtmlRenderer;
import dev.cordon.report.render.JsonRenderer;
import dev.cordon.report.render.MarkdownRenderer;
import dev.cordon.report.render.SummaryRenderer;
import dev.cordon.testing.Json;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each renderer on a cordon guard session with two tasks (guard.jsonl: deploy@41.service, whose git
 * fetch is blocked, and deploy@42.service, whose notifier is), against reviewed golden files.
 * RenderGoldenTest's files, unchanged, show a run without tasks renders as before.
 */
class TaskReportGoldenTest {
    static RunModel guard() throws Exception {
        return EventsFileReader.read(Golden.resource("guard.jsonl"));
    }

    @Test
    void summary() throws Exception {
        Golden.assertMatches("guard.summary.txt", SummaryRenderer.render(guard()));
    }

    @Test
    void markdown() throws Exception {
        Golden.assertMatches("guard.md", MarkdownRenderer.render(guard()));
    }

    @Test
    void json() throws Exception {
        String json = JsonRenderer.render(guard());
        Golden.assertMatches("guard.json", json);
        Map<String, Object> o = Json.parseObject(json.replace("\n    ", "").replace("\n  ", "").replace("\n", ""));
        List<Object> tasks = ((List<?>) o.get("destinations")).stream().map(d -> ((Map<?, ?>) d).get("task")).map(Object.class::cast).toList();
        assertThat(tasks).containsExactly("deploy@41.service", "deploy@41.service", "deploy@42.service", "deploy@42.service", "deploy@42.service");
    }

    @Test
    void htmlGroupsTheDestinationTableByTask() throws Exception {
        String html = HtmlRenderer.render(guard());
        assertThat(html).contains("<tbody class=\"task\"><tr class=\"task\"><th colspan=\"5\">task <code>deploy@41.service</code> · 4 processes "
                + "<span class=\"chip blocked\">2 blocked</span> <span class=\"chip allowed\">2 allowed</span></th></tr>");
        assertThat(html.indexOf("task <code>deploy@41.service</code> ·")).isLessThan(html.indexOf("task <code>deploy@42.service</code> ·"));
        assertThat(html).contains("span.task{").contains("data-search=\"5200 /bin/sh /opt/deploy/run.sh 42 deploy@42.service\"");
    }

    /** A cgroup's name may hold anything but '/' and NUL; two tasks, and a query whose sender is unknown. */
    private static RunModel hostile() throws Exception {
        String evil = Escape.json("x<script>alert(1)</script>\u001b[31m|`\n.service");
        return EventsFileReader.read(new StringReader(
                "{\"time\":\"2026-11-21T10:00:00Z\",\"type\":\"exec\",\"pid\":5,\"ppid\":1,\"argv\":[\"sh\"],\"task\":" + evil + "}\n"
                        + "{\"time\":\"2026-11-21T10:00:01Z\",\"type\":\"dns\",\"verdict\":\"blocked\",\"domain\":\"github.com.\","
                        + "\"pid\":5,\"cmd\":\"sh\",\"task\":" + evil + "}\n"
                        + "{\"time\":\"2026-11-21T10:00:02Z\",\"type\":\"dns\",\"verdict\":\"blocked\",\"domain\":\"pypi.org.\","
                        + "\"pid\":0,\"cmd\":\"?\"}\n"), "e");
    }

    @Test
    void hostileTaskNamesStayTextAndTheUnknownSenderComesLast() throws Exception {
        String summary = SummaryRenderer.render(hostile());
        assertThat(summary).isEqualTo("""
                cordon: 2 destinations in 2 tasks: 2 blocked
                  task x<script>alert(1)</script>\\x1b[31m|`\\n.service — 1 destination: 1 blocked
                    blocked  github.com  1×  sh
                  sender unknown — 1 destination: 1 blocked
                    blocked  pypi.org    1×  ?
                """);
        String md = MarkdownRenderer.render(hostile());
        assertThat(md).contains("#### Task ``x<script>alert(1)</script>\\x1b[31m|`\\n.service``", "#### Sender unknown")
                .doesNotContain("\u001b");
        String html = HtmlRenderer.render(hostile());
        assertThat(html).doesNotContain("<script>alert", "\u001b").contains("task <code>x&lt;script&gt;alert(1)&lt;/script&gt;");
    }
}
