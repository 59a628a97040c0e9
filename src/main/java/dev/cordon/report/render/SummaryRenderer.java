package dev.cordon.report.render;

import dev.cordon.report.analysis.Destination;
import dev.cordon.report.analysis.Destinations;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.Verdict;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The end-of-run summary on stderr: one aligned line per destination that was blocked, audited or
 * in a simulated outage, with the first command that tried it. Empty when there is nothing to say.
 */
public final class SummaryRenderer {
    static final int MAX_LINES = 20, DEST_WIDTH = 40, CMD_WIDTH = 72;

    private SummaryRenderer() {}

    public static String render(RunModel model) {
        List<Destination> notable = Destinations.notable(model);
        long dropped = model.droppedRecords() + (model.run().droppedEvents() == null ? 0 : model.run().droppedEvents());
        if (notable.isEmpty() && dropped == 0 && model.omittedAttempts() == 0) return "";
        StringBuilder sb = new StringBuilder();
        if (!notable.isEmpty()) {
            sb.append("cordon: ").append(headline(notable)).append('\n');
            List<Destination> shown = notable.subList(0, Math.min(MAX_LINES, notable.size()));
            List<String[]> rows = new ArrayList<>();
            boolean anyWait = false;
            for (Destination d : shown) {
                String waited = d.waitedMs() > 0 ? "waited " + Text.duration(d.waitedMs()) : "";
                anyWait |= !waited.isEmpty();
                rows.add(new String[]{d.verdict().label(), Text.safe(d.name(), DEST_WIDTH), d.count() + "×", waited,
                        Text.safe(d.firstCmd(), CMD_WIDTH)});
            }
            int[] w = new int[5];
            for (String[] r : rows) for (int i = 0; i < 4; i++) w[i] = Math.max(w[i], Text.width(r[i]));
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder("  ")
                        .append(Text.pad(r[0], w[0])).append("  ")
                        .append(Text.pad(r[1], w[1])).append("  ")
                        .append(" ".repeat(w[2] - Text.width(r[2]))).append(r[2]).append("  ");
                if (anyWait) line.append(Text.pad(r[3], w[3])).append("  ");
                line.append(r[4]);
                sb.append(line.toString().stripTrailing()).append('\n');
            }
            if (notable.size() > shown.size()) {
                sb.append("  … and ").append(notable.size() - shown.size()).append(" more (--report FILE.md lists all)\n");
            }
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

    /** "4 destinations: 2 blocked, 1 down (simulated outage), 1 audited (would be blocked)". */
    static String headline(List<Destination> notable) {
        Map<Verdict, Integer> n = new EnumMap<>(Verdict.class);
        for (Destination d : notable) n.merge(d.verdict(), 1, Integer::sum);
        List<String> parts = new ArrayList<>();
        if (n.containsKey(Verdict.BLOCKED)) parts.add(n.get(Verdict.BLOCKED) + " blocked");
        if (n.containsKey(Verdict.OUTAGE)) parts.add(n.get(Verdict.OUTAGE) + " down (simulated outage)");
        if (n.containsKey(Verdict.AUDITED)) parts.add(n.get(Verdict.AUDITED) + " audited (would be blocked)");
        return (notable.size() == 1 ? "1 destination: " : notable.size() + " destinations: ") + String.join(", ", parts);
    }
}
