package dev.cordon.report;

import dev.cordon.report.model.RunModel;
import dev.cordon.report.read.EventsFileReader;
import dev.cordon.report.render.HtmlRenderer;
import dev.cordon.report.render.JsonRenderer;
import dev.cordon.report.render.Markdown;
import dev.cordon.report.render.MarkdownRenderer;
import dev.cordon.report.render.SummaryRenderer;
import dev.cordon.testing.Json;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A hostile command line and domain reach every renderer; none lets them become markup or terminal control. */
class EscapingTest {
    /** <script>, an ANSI colour escape, a bidi override, a pipe, backticks and a newline. */
    static final String EVIL = "sh -c echo <script>alert(1)</script> \u001b[31mRED\u001b[0m \u202eevil | tee `id` ``x``\nrm -rf /";
    static final String EVIL_DOMAIN = "x<img src=y onerror=alert(1)>|`.example.com.";

    static RunModel model() throws Exception {
        String cmd = dev.cordon.events.Escape.json(EVIL);
        return EventsFileReader.read(new StringReader(
                "{\"time\":\"2026-11-21T10:00:00Z\",\"type\":\"exec\",\"pid\":5,\"ppid\":1,\"argv\":[" + cmd + "]}\n"
                        + "{\"time\":\"2026-11-21T10:00:01Z\",\"type\":\"dns\",\"verdict\":\"blocked\",\"domain\":"
                        + dev.cordon.events.Escape.json(EVIL_DOMAIN) + ",\"pid\":5,\"cmd\":" + cmd + "}\n"), "e");
    }

    @Test
    void summaryHasNoControlCharacters() throws Exception {
        String s = SummaryRenderer.render(model());
        assertThat(s).doesNotContain("\u001b", "\u202e").contains("\\x1b[31mRED", "\\u202e");
        assertThat(s.split("\n")).hasSize(2); // headline + one line: the newline in the command was escaped
    }

    @Test
    void markdownHasNoRawHtmlAndTablesKeepTheirColumns() throws Exception {
        String md = MarkdownRenderer.render(model());
        assertThat(md).doesNotContain("\u001b", "\u202e");
        for (String line : md.split("\n")) {
            if (!line.startsWith("|")) continue;
            // cells split on pipes that are not backslash-escaped: the header has 4 cells, so must every row
            assertThat(line.split("(?<!\\\\)\\|", -1)).as(line).hasSize(6);
        }
        // outside code spans, < and > are escaped; inside, they are literal code (GitHub never renders them as tags)
        String withoutCode = md.replace("\\`", "").replaceAll("(`+)(?:(?!\\1).)*\\1", "");
        assertThat(withoutCode).doesNotContainPattern("(?<!\\\\)<");
    }

    @Test
    void markdownCodeSpansOutlastTheBackticksInside() {
        assertThat(Markdown.code("a `b` c", false)).isEqualTo("``a `b` c``");
        assertThat(Markdown.code("``x``", false)).isEqualTo("``` ``x`` ```");
        assertThat(Markdown.code("a|b", true)).isEqualTo("`a\\|b`");
        assertThat(Markdown.text("*x* [l](u) <b> #1 |")).isEqualTo("\\*x\\* \\[l\\]\\(u\\) \\<b\\> \\#1 \\|");
        assertThat(Markdown.text("-rf")).isEqualTo("\\-rf");
    }

    @Test
    void htmlEscapesEverything() throws Exception {
        String html = HtmlRenderer.render(model());
        assertThat(html).doesNotContain("<script>alert", "<img src=y", "\u001b", "\u202e")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;", "x&lt;img src=y onerror=alert(1)&gt;");
        // the only scripts are cordon's own one inline script; nothing is fetched
        assertThat(html.split("<script", -1)).hasSize(2);
        assertThat(html).doesNotContainPattern("(?i)(src|href)=\"?(https?:|//)").doesNotContain("@import", "url(");
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonKeepsTheStringExactly() throws Exception {
        String json = JsonRenderer.render(model());
        Map<String, Object> o = Json.parseObject(json.replace("\n    ", "").replace("\n  ", "").replace("\n", ""));
        Map<String, Object> p = (Map<String, Object>) ((List<?>) o.get("processes")).getFirst();
        assertThat(p.get("cmd")).isEqualTo(EVIL);
    }
}
