package dev.cordon.report.analysis;

import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.ProcessNode;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.Verdict;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The destinations of one task, for a run that has tasks ({@code cordon guard}): reports group
 * their destinations by task.
 *
 * @param task         the task's name, or null for the attempts that have none (a DNS query whose
 *                     sender cordon could not tell)
 * @param processes    how many processes were first seen in this task
 * @param destinations its attempts grouped by destination and verdict, in {@link Destinations#ORDER}
 */
public record TaskDestinations(String task, int processes, List<Destination> destinations) {
    /** Tasks by name; the group without a task last. */
    public static final Comparator<String> ORDER = Comparator.nullsLast(Comparator.naturalOrder());

    public TaskDestinations {
        destinations = List.copyOf(destinations);
    }

    /** Its attempts with this verdict, over every destination. */
    public int attempts(Verdict v) {
        int n = 0;
        for (Destination d : destinations) if (d.verdict() == v) n += d.count();
        return n;
    }

    /** Only blocked, audited and outage destinations. */
    public List<Destination> notable() {
        return destinations.stream().filter(d -> d.verdict().notable()).toList();
    }

    /** One group per task, in {@link #ORDER}, quiet tasks too; none for a run without tasks (cordon run). */
    public static List<TaskDestinations> of(RunModel model) {
        if (!model.hasTasks()) return List.of();
        TreeSet<String> tasks = new TreeSet<>(ORDER);
        Map<String, Integer> processes = new HashMap<>();
        for (ProcessNode p : model.processes()) {
            processes.merge(p.task(), 1, Integer::sum);
            if (p.task() != null) tasks.add(p.task());
            for (Attempt a : p.attempts()) if (a.task() != null) tasks.add(a.task());
        }
        Map<String, List<Destination>> byTask = Destinations.byTask(model);
        if (byTask.containsKey(null)) tasks.add(null);
        List<TaskDestinations> out = new ArrayList<>(tasks.size());
        for (String task : tasks) {
            out.add(new TaskDestinations(task, processes.getOrDefault(task, 0), byTask.getOrDefault(task, List.of())));
        }
        return out;
    }
}
