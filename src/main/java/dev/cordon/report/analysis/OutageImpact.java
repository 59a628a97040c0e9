package dev.cordon.report.analysis;

import dev.cordon.events.ScriptLine;
import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.ProcessNode;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.Verdict;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which step waited on a dead dependency, how long, and whether it then went on: per process with
 * outage attempts, the total wait, the later work (attempts that were not outages, children it
 * started) after its first wait ended, and how it ended.
 */
public record OutageImpact(int process, List<String> destinations, int attempts, long waitedMs,
                           int laterAttempts, int laterChildren, String outcome, boolean failed) {
    public OutageImpact {
        destinations = List.copyOf(destinations);
    }

    /** Went on to do other things after the wait. */
    public boolean wentOn() {
        return laterAttempts > 0 || laterChildren > 0;
    }

    public static List<OutageImpact> of(RunModel model) {
        List<OutageImpact> out = new ArrayList<>();
        for (ProcessNode p : model.processes()) {
            Set<String> dests = new LinkedHashSet<>();
            int n = 0;
            List<Attempt> held = new ArrayList<>();
            Instant firstEnd = null;
            for (Attempt a : p.attempts()) {
                if (a.verdict() != Verdict.OUTAGE) continue;
                n++;
                dests.add(a.destination());
                held.add(a);
                if (firstEnd == null || a.end().isBefore(firstEnd)) firstEnd = a.end();
            }
            if (n == 0) continue;
            int later = 0;
            for (Attempt a : p.attempts()) {
                if (a.verdict() != Verdict.OUTAGE && !a.time().isBefore(firstEnd)) later++;
            }
            int children = 0;
            for (int c : p.children()) {
                Instant seen = RunModel.firstSeen(model.process(c));
                if (seen != null && !seen.isBefore(firstEnd)) children++;
            }
            out.add(new OutageImpact(p.id(), new ArrayList<>(dests), n, WaitTime.of(held), later, children, Outcome.of(p),
                    Outcome.failed(p)));
        }
        return out;
    }

    /** The script lines of the processes that waited, in the order of {@code impacts}, each once: the steps that waited. */
    public static List<ScriptLine> steps(RunModel model, List<OutageImpact> impacts) {
        Set<ScriptLine> steps = new LinkedHashSet<>();
        for (OutageImpact o : impacts) {
            ScriptLine at = model.process(o.process()).line();
            if (at != null) steps.add(at);
        }
        return List.copyOf(steps);
    }

    /** "went on (2 more attempts, started 1 process), exited 0" or "failed (exit 6)". */
    public String then() {
        if (!wentOn()) return outcome;
        List<String> parts = new ArrayList<>();
        if (laterAttempts > 0) parts.add(laterAttempts + " more network " + (laterAttempts == 1 ? "attempt" : "attempts"));
        if (laterChildren > 0) parts.add("started " + laterChildren + (laterChildren == 1 ? " process" : " processes"));
        return "went on (" + String.join(", ", parts) + "), then " + outcome;
    }
}
