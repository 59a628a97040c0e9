package dev.cordon.report.render;

import dev.cordon.events.ScriptLine;
import dev.cordon.report.analysis.Destination;
import dev.cordon.report.analysis.Destinations;
import dev.cordon.report.analysis.NetworkTree;
import dev.cordon.report.analysis.Outcome;
import dev.cordon.report.analysis.OutageImpact;
import dev.cordon.report.analysis.TaskDestinations;
import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.Executables;
import dev.cordon.report.model.OutageSpec;
import dev.cordon.report.model.ProcessNode;
import dev.cordon.report.model.RunInfo;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.Verdict;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The run as GitHub-flavoured Markdown (a file, or the job's step summary): a title with the command
 * and its result, the destinations (one table per task in a run with tasks), the outages, and the
 * processes that used the network.
 */
public final class MarkdownRenderer {
    static final int CMD_WIDTH = 80, MAX_ALLOWED_ROWS = 30, MAX_TREE_ITEMS = 150, MAX_PROCS_PER_ROW = 3, LINE_WIDTH = 60;

    private MarkdownRenderer() {}

    public static String render(RunModel model) {
        StringBuilder sb = new StringBuilder(4096);
        title(sb, model);
        List<Destination> ds = Destinations.of(model);
        destinations(sb, model, ds);
        outages(sb, model);
        tree(sb, model);
        if (model.droppedRecords() > 0 || (model.run().droppedEvents() != null && model.run().droppedEvents() > 0)) {
            long n = model.droppedRecords() + (model.run().droppedEvents() == null ? 0 : model.run().droppedEvents());
            sb.append("\n> **Incomplete:** ").append(Text.plural(n, "event was", "events were")).append(" dropped.\n");
        }
        if (model.omittedAttempts() > 0) {
            sb.append("\n> **Incomplete:** ").append(Text.plural(model.omittedAttempts(), "more attempt", "more attempts"))
                    .append(" to destinations past the first ").append(Destinations.MAX_KEPT)
                    .append(" were counted, not kept; the events file records every one.\n");
        }
        return sb.toString();
    }

    private static void title(StringBuilder sb, RunModel model) {
        RunInfo r = model.run();
        ProcessNode root = model.rootProcess();
        String cmd = r.cmd() != null ? r.cmd() : root != null ? root.cmd() : "?";
        sb.append("## cordon: ").append(Markdown.code(Text.safe(cmd, CMD_WIDTH), false)).append(' ').append(result(model)).append("\n\n");
        List<String> facts = new ArrayList<>();
        if (r.mode() != null) facts.add(r.mode() + " mode");
        if (r.defaultAction() != null) facts.add("default " + r.defaultAction());
        if (r.policy() != null) facts.add("policy " + Markdown.code(Text.safe(r.policy(), 60), false));
        if (r.durationMs() != null) facts.add(Text.duration(r.durationMs()));
        facts.add(Text.plural(model.processes().size(), "process", "processes"));
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        for (Attempt a : model.attempts()) counts.merge(a.verdict(), 1L, Long::sum);
        attemptCounts(facts, v -> counts.getOrDefault(v, 0L));
        sb.append(String.join(" · ", facts)).append("\n");
    }

    /** "⛔ 3 blocked", "✅ 6 allowed": the verdicts with attempts, most important first. */
    private static void attemptCounts(List<String> facts, ToLongFunction<Verdict> count) {
        for (Verdict v : Badges.BY_IMPORTANCE) {
            long n = count.applyAsLong(v);
            if (n > 0) facts.add(Badges.emoji(v) + " " + n + " " + v.label());
        }
    }

    /** "failed (exit 1)", "succeeded", "killed (SIGTERM, exit 143)"; with what stopped it. */
    static String result(RunModel model) {
        RunInfo r = model.run();
        Integer status = r.exitStatus() != null ? r.exitStatus() : r.commandStatus();
        if (status == null && model.rootProcess() != null && model.rootProcess().exited()) {
            return Outcome.of(model.rootProcess());
        }
        return status == null ? "(result unknown)" : Outcome.ofStatus(status);
    }

    private static void destinations(StringBuilder sb, RunModel model, List<Destination> ds) {
        sb.append("\n### Destinations\n\n");
        List<TaskDestinations> tasks = TaskDestinations.of(model);
        if (tasks.isEmpty()) {
            table(sb, model, ds);
            return;
        }
        for (TaskDestinations t : tasks) {
            if (t != tasks.getFirst()) sb.append('\n');
            String name = t.task() == null ? Text.capitalized(Text.UNKNOWN_SENDER) : "Task " + Markdown.code(Text.safe(t.task(), 60), false);
            sb.append("#### ").append(name).append("\n\n");
            List<String> facts = new ArrayList<>(List.of(Text.plural(t.processes(), "process", "processes")));
            attemptCounts(facts, t::attempts);
            sb.append(String.join(" · ", facts)).append("\n\n");
            table(sb, model, t.destinations());
        }
    }

    private static void table(StringBuilder sb, RunModel model, List<Destination> ds) {
        if (ds.isEmpty()) {
            sb.append("No network activity was recorded.\n");
            return;
        }
        sb.append("| destination | verdict | count | processes |\n|---|---|---:|---|\n");
        int allowedShown = 0, allowedHidden = 0;
        for (Destination d : ds) {
            if (d.verdict() == Verdict.ALLOWED && allowedShown++ >= MAX_ALLOWED_ROWS) {
                allowedHidden++;
                continue;
            }
            sb.append("| ").append(Markdown.text(Text.safe(d.name(), 60)))
                    .append(" | ").append(Badges.emoji(d.verdict())).append(' ').append(d.verdict().label())
                    .append(" | ").append(d.count())
                    .append(" | ").append(processes(model, d.processes())).append(" |\n");
        }
        if (allowedHidden > 0) sb.append("\n… and ").append(allowedHidden).append(" more allowed destinations (see the JSON or HTML report).\n");
    }

    private static String processes(RunModel model, List<Integer> ids) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.min(MAX_PROCS_PER_ROW, ids.size()); i++) out.add(procFrom(model.process(ids.get(i)), true));
        if (ids.size() > MAX_PROCS_PER_ROW) out.add("+" + (ids.size() - MAX_PROCS_PER_ROW) + " more");
        return String.join("<br>", out);
    }

    /** {@code `curl -sS …` (4251)}; {@code `innocent -sS …` (4251, exe `/usr/bin/curl`)} where the command line hides the file. */
    private static String proc(ProcessNode p, boolean inTable) {
        String exe = Executables.unlessNamed(p.cmd(), p.exe());
        return Markdown.code(Text.safe(p.cmd(), CMD_WIDTH), inTable) + " (" + p.pid()
                + (exe == null ? "" : ", exe " + Markdown.code(Text.safe(exe, CMD_WIDTH), inTable)) + ")";
    }

    /** {@code proc}, then "from `deploy.sh:9`" when a bash script line started it. */
    private static String procFrom(ProcessNode p, boolean inTable) {
        return proc(p, inTable) + (p.line() == null ? "" : " from " + line(p.line(), inTable));
    }

    static String line(ScriptLine line, boolean inTable) {
        return Markdown.code(Text.safe(line.label(), LINE_WIDTH), inTable);
    }

    private static void outages(StringBuilder sb, RunModel model) {
        List<OutageImpact> impacts = OutageImpact.of(model);
        List<OutageSpec> specs = model.run().outages();
        if (impacts.isEmpty() && specs.isEmpty()) return;
        sb.append("\n### Simulated outages\n\n");
        if (!specs.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (OutageSpec s : specs) names.add(Markdown.text(Text.safe(s.domain(), 60)) + (s.style() == null ? "" : " (" + Markdown.text(s.style()) + ")"));
            sb.append("Down during this run: ").append(String.join(", ", names));
            if (model.run().outageWaitMs() != null) sb.append("; each attempt was held up to ").append(Text.duration(model.run().outageWaitMs()));
            sb.append(".\n\n");
        }
        if (impacts.isEmpty()) {
            sb.append("No process tried to reach them.\n");
            return;
        }
        List<String> steps = new ArrayList<>();
        for (ScriptLine at : OutageImpact.steps(model, impacts)) steps.add(line(at, false));
        if (!steps.isEmpty()) {
            sb.append(steps.size() == 1 ? "The step that waited is " : "The steps that waited are ").append(String.join(", ", steps))
                    .append(".\n\n");
        }
        boolean withSteps = !steps.isEmpty();
        sb.append(withSteps ? "| step " : "").append("| process | waited on | attempts | waited | then |\n")
                .append(withSteps ? "|---" : "").append("|---|---|---:|---:|---|\n");
        for (OutageImpact o : impacts) {
            List<String> names = new ArrayList<>();
            for (String d : o.destinations()) names.add(Markdown.text(Text.safe(d, 60)));
            ScriptLine at = model.process(o.process()).line();
            if (withSteps) sb.append("| ").append(at == null ? "—" : line(at, true)).append(' ');
            sb.append("| ").append(proc(model.process(o.process()), true))
                    .append(" | ").append(String.join(", ", names))
                    .append(" | ").append(o.attempts())
                    .append(" | ").append(Text.duration(o.waitedMs()))
                    .append(" | ").append(o.failed() ? "❌ " : o.wentOn() ? "↪️ " : "").append(o.then()).append(" |\n");
        }
    }

    private static void tree(StringBuilder sb, RunModel model) {
        NetworkTree net = new NetworkTree(model);
        if (model.root() < 0 || !net.subtreeTouchedNetwork(model.root())) return;
        sb.append("\n### Processes that used the network\n\n");
        int[] budget = {MAX_TREE_ITEMS};
        item(sb, model, net, model.root(), 0, budget);
        if (budget[0] < 0) sb.append("\n… more processes in the HTML report.\n");
    }

    private static void item(StringBuilder sb, RunModel model, NetworkTree net, int id, int depth, int[] budget) {
        if (budget[0]-- <= 0) return;
        ProcessNode p = model.process(id);
        sb.append("  ".repeat(depth)).append("- ").append(proc(p, false));
        List<String> facts = new ArrayList<>();
        if (model.startsAtLine(p)) facts.add("from " + line(p.line(), false));
        if (model.entersTask(p)) facts.add("task " + Markdown.code(Text.safe(p.task(), 60), false));
        String d = Text.duration(p.duration(RunModel.firstSeen(p)));
        if (d != null) facts.add(d);
        if (p.exited()) facts.add(Outcome.of(p));
        if (!facts.isEmpty()) sb.append(" · ").append(String.join(" · ", facts));
        List<String> dests = destinationsOf(p);
        if (!dests.isEmpty()) sb.append(" — ").append(String.join(", ", dests));
        sb.append('\n');
        for (int c : p.children()) if (net.subtreeTouchedNetwork(c)) item(sb, model, net, c, depth + 1, budget);
    }

    /** "⛔ github.com ×2, ✅ hooks.slack.com" for one process, most important first. */
    private static List<String> destinationsOf(ProcessNode p) {
        record Key(String name, Verdict verdict) {}
        Map<Key, Integer> n = new LinkedHashMap<>();
        for (Attempt a : p.attempts()) n.merge(new Key(a.destination(), a.verdict()), 1, Integer::sum);
        List<Map.Entry<Key, Integer>> es = new ArrayList<>(n.entrySet());
        es.sort(Comparator.comparingInt(e -> Destinations.rank(e.getKey().verdict())));
        List<String> out = new ArrayList<>();
        for (var e : es) {
            out.add(Badges.emoji(e.getKey().verdict()) + " " + Markdown.text(Text.safe(e.getKey().name(), 60))
                    + (e.getValue() > 1 ? " ×" + e.getValue() : ""));
        }
        return out;
    }
}
