package dev.cordon.report.render;

import dev.cordon.report.analysis.Destination;
import dev.cordon.report.analysis.Destinations;
import dev.cordon.report.analysis.TaskDestinations;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.Verdict;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The end-of-run summary on stderr: one aligned line per destination that was blocked, audited or
 * in a simulated outage, with the first command that tried it and the bash script line that started
 * that command (where one did); in a run with tasks (cordon guard), grouped under a line per task.
 * Empty when there is nothing to say.
 */
public final class SummaryRenderer {
    static final int MAX_LINES = 20, DEST_WIDTH = 40, CMD_WIDTH = 72, TASK_WIDTH = 60, LINE_WIDTH = 40;

    private SummaryRenderer() {}

    /** Destinations under one heading; the heading is null in a run without tasks. */
    private record Section(String heading, List<Destination> destinations) {}

    public static String render(RunModel model) {
        List<Destination> notable = Destinations.notable(model);
        long dropped = model.droppedRecords() + (model.run().droppedEvents() == null ? 0 : model.run().droppedEvents());
        if (notable.isEmpty() && dropped == 0 && model.omittedAttempts() == 0) return "";
        StringBuilder sb = new StringBuilder();
        if (!notable.isEmpty()) {
            List<Section> sections = sections(model, notable);
            String where = sections.getFirst().heading() == null ? "" : " in " + Text.plural(sections.size(), "task", "tasks");
            sb.append("cordon: ").append(headline(notable, where)).append('\n');
            table(sb, sections);
        }
        if (model.omittedAttempts() > 0) {
            sb.append("  … and ").append(Text.plural(model.omittedAttempts(), "more attempt", "more attempts"))
                    .append(" to destinations past the first ").append(Destinations.MAX_KEPT)
                    .append(" (not kept; --events FILE records every one)\n");
        }
        if (dropped > 0) {
            sb.append("cordon: ").append(Text.plural(dropped, "event was", "events were"))
                    .append(" dropped; this summary is incomplete\n");
        }
        return sb.toString();
    }

    /** One section per task with something to say, or one without a heading in a run without tasks. */
    private static List<Section> sections(RunModel model, List<Destination> notable) {
        List<TaskDestinations> tasks = TaskDestinations.of(model);
        if (tasks.isEmpty()) return List.of(new Section(null, notable));
        List<Section> out = new ArrayList<>();
        for (TaskDestinations t : tasks) {
            List<Destination> own = t.notable();
            String name = t.task() == null ? Text.UNKNOWN_SENDER : "task " + Text.safe(t.task(), TASK_WIDTH);
            if (!own.isEmpty()) out.add(new Section(name + " — " + headline(own), own));
        }
        return out;
    }

    /** The first {@link #MAX_LINES} destinations, section by section, in columns aligned across all of them. */
    private static void table(StringBuilder sb, List<Section> sections) {
        List<Section> shown = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        int left = MAX_LINES, hidden = 0;
        boolean anyWait = false, anyLine = false;
        for (Section s : sections) {
            int n = Math.min(left, s.destinations().size());
            if (n > 0) shown.add(new Section(s.heading(), s.destinations().subList(0, n)));
            hidden += s.destinations().size() - n;
            left -= n;
            for (Destination d : s.destinations().subList(0, n)) {
                String waited = d.waitedMs() > 0 ? "waited " + Text.duration(d.waitedMs()) : "";
                anyWait |= !waited.isEmpty();
                anyLine |= d.firstLine() != null;
                rows.add(new String[]{d.verdict().label(), Text.safe(d.name(), DEST_WIDTH), d.count() + "×", waited,
                        d.firstLine() == null ? "" : Text.safe(d.firstLine().label(), LINE_WIDTH),
                        Text.command(d.firstCmd(), d.firstExe(), CMD_WIDTH)});
            }
        }
        int[] w = new int[6];
        for (String[] r : rows) for (int i = 0; i < 5; i++) w[i] = Math.max(w[i], Text.width(r[i]));
        String indent = shown.getFirst().heading() == null ? "  " : "    ";
        int row = 0;
        for (Section s : shown) {
            if (s.heading() != null) sb.append("  ").append(s.heading()).append('\n');
            for (int i = 0; i < s.destinations().size(); i++) sb.append(line(indent, rows.get(row++), w, anyWait, anyLine)).append('\n');
        }
        if (hidden > 0) sb.append("  … and ").append(hidden).append(" more (--report FILE.md lists all)\n");
    }

    private static String line(String indent, String[] r, int[] w, boolean anyWait, boolean anyLine) {
        StringBuilder line = new StringBuilder(indent)
                .append(Text.pad(r[0], w[0])).append("  ")
                .append(Text.pad(r[1], w[1])).append("  ")
                .append(" ".repeat(w[2] - Text.width(r[2]))).append(r[2]).append("  ");
        if (anyWait) line.append(Text.pad(r[3], w[3])).append("  ");
        if (anyLine) line.append(Text.pad(r[4], w[4])).append("  ");
        line.append(r[5]);
        return line.toString().stripTrailing();
    }

    /** "4 destinations: 2 blocked, 1 down (simulated outage), 1 audited (would be blocked)". */
    static String headline(List<Destination> notable) {
        return headline(notable, "");
    }

    /** @param where after the count: " in 2 tasks" */
    private static String headline(List<Destination> notable, String where) {
        Map<Verdict, Integer> n = new EnumMap<>(Verdict.class);
        for (Destination d : notable) n.merge(d.verdict(), 1, Integer::sum);
        List<String> parts = new ArrayList<>();
        if (n.containsKey(Verdict.BLOCKED)) parts.add(n.get(Verdict.BLOCKED) + " blocked");
        if (n.containsKey(Verdict.OUTAGE)) parts.add(n.get(Verdict.OUTAGE) + " down (simulated outage)");
        if (n.containsKey(Verdict.AUDITED)) parts.add(n.get(Verdict.AUDITED) + " audited (would be blocked)");
        return Text.plural(notable.size(), "destination", "destinations") + where + ": " + String.join(", ", parts);
    }
}
