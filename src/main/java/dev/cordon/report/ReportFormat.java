package dev.cordon.report;

import dev.cordon.report.model.RunModel;
import dev.cordon.report.render.HtmlRenderer;
import dev.cordon.report.render.JsonRenderer;
import dev.cordon.report.render.MarkdownRenderer;
import dev.cordon.report.render.SummaryRenderer;

import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Function;

/** The report formats, each a pure function of the model; a file's extension picks one. */
public enum ReportFormat {
    SUMMARY("summary", SummaryRenderer::render),
    MARKDOWN("md", MarkdownRenderer::render),
    HTML("html", HtmlRenderer::render),
    JSON("json", JsonRenderer::render);

    public final String label;
    private final Function<RunModel, String> renderer;

    ReportFormat(String label, Function<RunModel, String> renderer) {
        this.label = label;
        this.renderer = renderer;
    }

    public String render(RunModel model) {
        return renderer.apply(model);
    }

    /** .md/.markdown, .html/.htm, .json. @throws IllegalArgumentException naming the supported ones */
    public static ReportFormat forFile(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1);
        return switch (ext) {
            case "md", "markdown" -> MARKDOWN;
            case "html", "htm" -> HTML;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("cannot tell the report format of '" + file
                    + "': use a file ending in .md, .html or .json");
        };
    }

    /** summary | md | markdown | html | json. @throws IllegalArgumentException for anything else */
    public static ReportFormat parse(String label) {
        String l = label.toLowerCase(Locale.ROOT);
        if (l.equals("markdown")) return MARKDOWN;
        if (l.equals("htm")) return HTML;
        for (ReportFormat f : values()) if (f.label.equals(l)) return f;
        throw new IllegalArgumentException("unknown report format '" + label + "': use summary, md, html or json");
    }
}
