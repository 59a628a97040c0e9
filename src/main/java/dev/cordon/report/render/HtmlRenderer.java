package dev.cordon.report.render;

import dev.cordon.events.ScriptLine;
import dev.cordon.report.analysis.Destination;
import dev.cordon.report.analysis.Destinations;
import dev.cordon.report.analysis.NetworkTree;
import dev.cordon.report.analysis.OutageImpact;
import dev.cordon.report.analysis.Outcome;
import dev.cordon.report.analysis.TaskDestinations;
import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.Executables;
import dev.cordon.report.model.OutageSpec;
import dev.cordon.report.model.ProcessNode;
import dev.cordon.report.model.RunInfo;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.Verdict;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One self-contained HTML page (inline CSS and JS, nothing fetched; a CSP forbids it): the process
 * tree with each process's destinations, the path to every block marked, subtrees without network
 * activity collapsed. The tree is rendered here, so it reads without JS; the script adds the filter.
 */
public final class HtmlRenderer {
    static final int CMD_WIDTH = 160, MAX_DEST_ROWS = 300;
    private static final String CSS = resource("report.css"), JS = resource("report.js");
    /** Only on pages of runs with tasks: a page without them stays as it was. */
    private static final String TASKS_CSS = resource("report-tasks.css");
    /** Only on pages of runs with bash script lines. */
    private static final String LINES_CSS = resource("report-lines.css");

    private HtmlRenderer() {}

    public static String render(RunModel model) {
        RunInfo r = model.run();
        ProcessNode root = model.rootProcess();
        String cmd = r.cmd() != null ? r.cmd() : root != null ? root.cmd() : "?";
        String result = MarkdownRenderer.result(model);
        StringBuilder sb = new StringBuilder(64 * 1024);
        sb.append("<!doctype html>\n<html lang=\"en\" class=\"nojs\"><head><meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>cordon: ").append(Html.escape(Text.truncate(cmd, 80))).append(" — ").append(Html.escape(result)).append("</title>\n")
                .append("<style>\n").append(CSS).append(model.hasTasks() ? TASKS_CSS : "").append(model.hasScriptLines() ? LINES_CSS : "")
                .append("</style></head>\n<body>\n");
        header(sb, model, cmd, result);
        destinations(sb, model);
        outages(sb, model);
        tree(sb, model);
        sb.append("<footer>cordon").append(r.cordonVersion() == null ? "" : " " + Html.escape(r.cordonVersion()))
                .append(r.start() == null ? "" : " · run started " + Html.escape(r.start().toString()))
                .append(" · this page is self-contained and loads nothing</footer>\n");
        sb.append("<script>\n").append(JS).append("</script>\n</body></html>\n");
        return sb.toString();
    }

    private static void header(StringBuilder sb, RunModel model, String cmd, String result) {
        RunInfo r = model.run();
        sb.append("<header><h1>cordon <code title=\"").append(Html.escape(cmd)).append("\">")
                .append(Html.escape(Text.truncate(cmd, 120))).append("</code> <span class=\"result ")
                .append(model.failed() ? "bad" : "ok").append("\">").append(Html.escape(result)).append("</span></h1>\n");
        List<String> facts = new ArrayList<>();
        if (r.mode() != null) facts.add(Html.escape(r.mode()) + " mode");
        if (r.defaultAction() != null) facts.add("default " + Html.escape(r.defaultAction()));
        if (r.policy() != null) facts.add("policy <code>" + Html.escape(r.policy()) + "</code>");
        if (r.durationMs() != null) facts.add(Text.duration(r.durationMs()));
        facts.add(Text.plural(model.processes().size(), "process", "processes"));
        long dropped = model.droppedRecords() + (r.droppedEvents() == null ? 0 : r.droppedEvents());
        if (dropped > 0) facts.add("<b>incomplete: " + Text.plural(dropped, "event", "events") + " dropped</b>");
        sb.append("<div class=\"facts\">").append(String.join(" · ", facts)).append("</div>\n<div class=\"chips\">");
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        for (Attempt a : model.attempts()) counts.merge(a.verdict(), 1L, Long::sum);
        for (Verdict v : Badges.BY_IMPORTANCE) {
            if (counts.containsKey(v)) chip(sb, v, counts.get(v) + " " + v.label());
        }
        sb.append("</div></header>\n");
    }

    private static void chip(StringBuilder sb, Verdict v, String text) {
        sb.append("<span class=\"chip ").append(v.label()).append("\">").append(text).append("</span>");
    }

    private static void destinations(StringBuilder sb, RunModel model) {
        List<Destination> ds = Destinations.of(model);
        if (ds.isEmpty()) return;
        boolean lines = model.hasScriptLines();
        sb.append("<section id=\"destinations\"><h2>Destinations</h2>\n<table><thead><tr><th>destination</th><th>verdict</th>")
                .append("<th>count</th><th>first command</th>").append(lines ? "<th>script line</th>" : "")
                .append("<th>processes</th></tr></thead>");
        List<TaskDestinations> tasks = TaskDestinations.of(model);
        int[] left = {MAX_DEST_ROWS};
        int hidden = 0;
        if (tasks.isEmpty()) {
            sb.append("<tbody>\n");
            hidden += rows(sb, ds, left, lines);
            sb.append("</tbody>");
        }
        for (TaskDestinations t : tasks) {
            taskHeader(sb, t, lines ? 6 : 5);
            hidden += rows(sb, t.destinations(), left, lines);
            sb.append("</tbody>");
        }
        sb.append("</table>");
        if (hidden > 0) sb.append("<p class=\"more\">… and ").append(hidden).append(" more</p>");
        sb.append("</section>\n");
    }

    /** Opens a task's rows with a row naming it: "task deploy@42.service · 3 processes", its attempts by verdict. */
    private static void taskHeader(StringBuilder sb, TaskDestinations t, int columns) {
        sb.append("<tbody class=\"task\"><tr class=\"task\"><th colspan=\"").append(columns).append("\">")
                .append(t.task() == null ? Text.UNKNOWN_SENDER : "task <code>" + Html.escape(t.task()) + "</code>")
                .append(" · ").append(Text.plural(t.processes(), "process", "processes"));
        for (Verdict v : Badges.BY_IMPORTANCE) {
            if (t.attempts(v) > 0) chip(sb.append(' '), v, t.attempts(v) + " " + v.label());
        }
        sb.append("</th></tr>\n");
    }

    /** One row per destination while {@code left} lasts; returns how many did not fit. */
    private static int rows(StringBuilder sb, List<Destination> ds, int[] left, boolean lines) {
        int hidden = 0;
        for (Destination d : ds) {
            if (left[0] <= 0) {
                hidden++;
                continue;
            }
            left[0]--;
            sb.append("<tr class=\"").append(d.verdict().label()).append("\"><td class=\"mono\">").append(Html.escape(d.name()))
                    .append("</td><td>");
            chip(sb, d.verdict(), d.verdict().label() + (d.waitedMs() > 0 ? " · waited " + Text.duration(d.waitedMs()) : ""));
            sb.append("</td><td class=\"n\">").append(d.count()).append("</td><td><code>")
                    .append(Html.escape(Text.truncate(d.firstCmd(), 100))).append("</code>");
            exe(sb, d.firstCmd(), d.firstExe());
            sb.append("</td>");
            if (lines) sb.append("<td>").append(d.firstLine() == null ? "" : line(d.firstLine())).append("</td>");
            sb.append("<td class=\"n\">").append(d.processes().size()).append("</td></tr>\n");
        }
        return hidden;
    }

    private static void outages(StringBuilder sb, RunModel model) {
        List<OutageImpact> impacts = OutageImpact.of(model);
        if (impacts.isEmpty()) return;
        sb.append("<section id=\"outages\"><h2>Simulated outages</h2>\n");
        List<String> specs = new ArrayList<>();
        for (OutageSpec s : model.run().outages()) specs.add("<code>" + Html.escape(s.domain()) + "</code>" + (s.style() == null ? "" : " (" + Html.escape(s.style()) + ")"));
        if (!specs.isEmpty()) sb.append("<p class=\"facts\">Down during this run: ").append(String.join(", ", specs)).append("</p>\n");
        List<ScriptLine> waited = OutageImpact.steps(model, impacts);
        if (!waited.isEmpty()) {
            sb.append("<p>").append(waited.size() == 1 ? "The step that waited is " : "The steps that waited are ")
                    .append(String.join(", ", waited.stream().map(HtmlRenderer::line).toList())).append(".</p>\n");
        }
        boolean steps = !waited.isEmpty();
        sb.append("<table><thead><tr>").append(steps ? "<th>step</th>" : "")
                .append("<th>pid</th><th>process</th><th>waited on</th><th>attempts</th><th>waited</th><th>then</th></tr></thead><tbody>\n");
        for (OutageImpact o : impacts) {
            ProcessNode p = model.process(o.process());
            sb.append("<tr>");
            if (steps) sb.append("<td>").append(p.line() == null ? "—" : line(p.line())).append("</td>");
            sb.append("<td class=\"n\">").append(p.pid()).append("</td><td><code>").append(Html.escape(Text.truncate(p.cmd(), 100)))
                    .append("</code>");
            exe(sb, p.cmd(), p.exe());
            sb.append("</td><td class=\"mono\">").append(Html.escape(String.join(", ", o.destinations())))
                    .append("</td><td class=\"n\">").append(o.attempts()).append("</td><td class=\"n\">").append(Text.duration(o.waitedMs()))
                    .append("</td><td").append(o.failed() ? " class=\"exit bad\"" : "").append(">").append(Html.escape(o.then())).append("</td></tr>\n");
        }
        sb.append("</tbody></table></section>\n");
    }

    private static void tree(StringBuilder sb, RunModel model) {
        if (model.root() < 0) return;
        NetworkTree net = new NetworkTree(model);
        sb.append("<section id=\"processes\"><h2>Processes</h2>\n<div class=\"toolbar\">")
                .append("<input id=\"filter\" type=\"search\" placeholder=\"Filter by command, pid or destination\" autocomplete=\"off\">")
                .append("<label><input type=\"checkbox\" id=\"onlyNet\"> network only</label>")
                .append("<label><input type=\"checkbox\" id=\"onlyBad\"> blocked, audited or outage only</label>")
                .append("<button id=\"expand\" type=\"button\">Expand all</button><button id=\"collapse\" type=\"button\">Collapse all</button>")
                .append("<span id=\"matches\"></span></div>\n")
                .append("<div class=\"legend\">A coloured bar marks the way from the command to a process that was blocked (red), hit an outage (purple) or was audited (amber); ")
                .append("branches without network activity start collapsed.</div>\n<ul class=\"tree\">\n");
        // iterative, so a deep chain of processes cannot overflow the stack
        ArrayDeque<Frame> stack = new ArrayDeque<>();
        open(sb, model, net, model.root());
        stack.push(frame(model, net, model.root()));
        while (!stack.isEmpty()) {
            Frame f = stack.pop();
            if (f.next() < f.kids().size()) {
                if (f.next() == f.quietFrom()) group(sb, model, f.kids().subList(f.quietFrom(), f.kids().size()));
                stack.push(new Frame(f.id(), f.kids(), f.quietFrom(), f.next() + 1));
                int c = f.kids().get(f.next());
                open(sb, model, net, c);
                stack.push(frame(model, net, c));
            } else {
                if (f.quietFrom() >= 0) sb.append("</ul></details></li>\n");
                sb.append(f.kids().isEmpty() ? "</li>\n" : "</ul></details></li>\n");
            }
        }
        sb.append("</ul></section>\n");
    }

    /**
     * A process's children to write: those with network activity below them first, in order; then
     * the quiet ones, which go into one collapsed group when there are two or more.
     */
    private static Frame frame(RunModel model, NetworkTree net, int id) {
        List<Integer> busy = new ArrayList<>(), quiet = new ArrayList<>();
        for (int c : model.process(id).children()) (net.subtreeTouchedNetwork(c) ? busy : quiet).add(c);
        List<Integer> all = new ArrayList<>(busy);
        all.addAll(quiet);
        return new Frame(id, all, quiet.size() >= 2 ? busy.size() : -1, 0);
    }

    private record Frame(int id, List<Integer> kids, int quietFrom, int next) {}

    /** Opens the collapsed group of quiet siblings: "19 processes without network activity: sh ×19". */
    private static void group(StringBuilder sb, RunModel model, List<Integer> quiet) {
        Map<String, Integer> names = new LinkedHashMap<>();
        for (int c : quiet) {
            List<String> argv = model.process(c).argv();
            String name = argv.isEmpty() ? "?" : argv.getFirst().substring(argv.getFirst().lastIndexOf('/') + 1);
            names.merge(name, 1, Integer::sum);
        }
        List<Map.Entry<String, Integer>> top = new ArrayList<>(names.entrySet());
        top.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < Math.min(3, top.size()); i++) parts.add(Html.escape(Text.truncate(top.get(i).getKey(), 40)) + " ×" + top.get(i).getValue());
        if (top.size() > 3) parts.add("…");
        sb.append("<li class=\"grp\"><details><summary><span class=\"more\">")
                .append(Text.plural(quiet.size(), "process", "processes")).append(" without network activity: ")
                .append(String.join(", ", parts)).append("</span></summary><ul>\n");
    }

    /** A process's {@code <li>} and row; its children's list is left open for them. */
    private static void open(StringBuilder sb, RunModel model, NetworkTree net, int id) {
        ProcessNode p = model.process(id);
        Verdict own = net.ownWorst(id), below = net.subtreeWorst(id);
        List<String> cls = new ArrayList<>(List.of("p"));
        if (own != null && own.notable()) cls.add("own-" + own.label());
        else if (below != null && below.notable()) cls.add("path-" + below.label());
        if (!net.subtreeTouchedNetwork(id)) cls.add("quiet");
        StringBuilder search = new StringBuilder().append(p.pid()).append(' ').append(p.cmd());
        if (p.exe() != null) search.append(' ').append(p.exe());
        if (p.task() != null) search.append(' ').append(p.task());
        if (p.line() != null) search.append(' ').append(p.line().label());
        Map<String, int[]> dests = destinations(p);
        for (String d : dests.keySet()) search.append(' ').append(d.substring(d.indexOf(' ') + 1));
        sb.append("<li class=\"").append(String.join(" ", cls)).append("\" data-pid=\"").append(p.pid())
                .append("\" data-net=\"").append(net.subtreeTouchedNetwork(id) ? 1 : 0)
                .append("\" data-bad=\"").append(below != null && below.notable() ? 1 : 0)
                .append("\" data-search=\"").append(Html.escape(search.toString().toLowerCase(Locale.ROOT))).append("\">");
        boolean parent = !p.children().isEmpty();
        if (parent) sb.append("<details").append(net.subtreeTouchedNetwork(id) ? " open" : "").append("><summary>");
        else sb.append("<div class=\"row\">");
        sb.append("<span class=\"pid\">").append(p.pid()).append("</span><code class=\"cmd\" title=\"").append(Html.escape(p.cmd()))
                .append("\">").append(Html.escape(Text.truncate(p.cmd(), CMD_WIDTH))).append("</code>");
        exe(sb, p.cmd(), p.exe());
        if (model.startsAtLine(p)) sb.append("<span class=\"line\">from ").append(line(p.line())).append("</span>");
        if (model.entersTask(p)) {
            sb.append("<span class=\"task\">task <code>").append(Html.escape(Text.truncate(p.task(), 80))).append("</code></span>");
        }
        String d = Text.duration(p.duration(RunModel.firstSeen(p)));
        if (d != null) sb.append("<span class=\"dur\">").append(d).append("</span>");
        if (p.exited()) {
            sb.append("<span class=\"exit").append(Outcome.failed(p) ? " bad" : "").append("\">").append(Html.escape(Outcome.of(p))).append("</span>");
        } else if (p.execTime() == null) {
            sb.append("<span class=\"exit\">fork (no exec)</span>");
        }
        for (Map.Entry<String, int[]> e : dests.entrySet()) {
            Verdict v = Verdict.values()[e.getValue()[1]];
            String name = e.getKey().substring(e.getKey().indexOf(' ') + 1);
            chip(sb, v, Html.escape(Text.truncate(name, 60)) + (e.getValue()[0] > 1 ? " ×" + e.getValue()[0] : ""));
        }
        if (parent && !net.subtreeTouchedNetwork(id)) {
            sb.append("<span class=\"more\">").append(Text.plural(net.descendants(id), "process", "processes")).append(" below, no network</span>");
        }
        sb.append(parent ? "</summary><ul>\n" : "</div>");
    }

    /** {@code exe /usr/bin/curl} after a command line that does not name the file that ran. */
    private static void exe(StringBuilder sb, String cmd, String exe) {
        String shown = Executables.unlessNamed(cmd, exe);
        if (shown == null) return;
        sb.append(" <span class=\"exe\" title=\"the file that ran\">exe <code>").append(Html.escape(Text.truncate(shown, 100)))
                .append("</code></span>");
    }

    /** A script line as the page shows it: {@code <code class="line">deploy.sh:9</code>}, the full text on hover. */
    private static String line(ScriptLine l) {
        return "<code class=\"line\" title=\"" + Html.escape(l.label()) + "\">" + Html.escape(Text.truncate(l.label(), 80)) + "</code>";
    }

    /** "verdict destination" → {count, verdict ordinal}, most important first. */
    private static Map<String, int[]> destinations(ProcessNode p) {
        Map<String, int[]> m = new LinkedHashMap<>();
        List<Attempt> sorted = new ArrayList<>(p.attempts());
        sorted.sort(Comparator.comparingInt(a -> Destinations.rank(a.verdict())));
        for (Attempt a : sorted) m.computeIfAbsent(a.verdict().ordinal() + " " + a.destination(), k -> new int[]{0, a.verdict().ordinal()})[0]++;
        return m;
    }

    private static String resource(String name) {
        try (InputStream in = HtmlRenderer.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
