package dev.cordon.report.analysis;

import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.ProcessNode;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.Verdict;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Attempts grouped by destination and verdict; blocked first, then outage, audited, allowed. */
public final class Destinations {
    /** Distinct destinations a live run keeps for its report (report.live.RunRecorder); more are counted only. */
    public static final int MAX_KEPT = 10_000;

    private Destinations() {}

    /** Most important first: what stopped the run, then what will stop it once enforced. */
    public static int rank(Verdict v) {
        return switch (v) {
            case BLOCKED -> 0;
            case OUTAGE -> 1;
            case AUDITED -> 2;
            case ALLOWED -> 3;
        };
    }

    public static final Comparator<Destination> ORDER = Comparator
            .comparingInt((Destination d) -> rank(d.verdict()))
            .thenComparing(Comparator.comparingInt(Destination::count).reversed())
            .thenComparing(Destination::name);

    public static List<Destination> of(RunModel model) {
        return grouped(model, a -> null).getOrDefault(null, List.of());
    }

    /** {@link #of}, one list per task the attempts name (the key is null for attempts without one). */
    public static Map<String, List<Destination>> byTask(RunModel model) {
        return grouped(model, Attempt::task);
    }

    private static Map<String, List<Destination>> grouped(RunModel model, Function<Attempt, String> groupOf) {
        record Key(String group, String name, Verdict verdict) {}
        final class Acc {
            int count;
            Attempt first;
            final Set<Integer> processes = new LinkedHashSet<>();
            final List<Attempt> attempts = new ArrayList<>();
        }
        Map<Key, Acc> byKey = new LinkedHashMap<>();
        for (ProcessNode p : model.processes()) {
            for (Attempt a : p.attempts()) {
                Acc acc = byKey.computeIfAbsent(new Key(groupOf.apply(a), a.destination(), a.verdict()), k -> new Acc());
                acc.count++;
                if (acc.first == null || a.time().isBefore(acc.first.time())) acc.first = a;
                acc.processes.add(p.id());
                acc.attempts.add(a);
            }
        }
        Map<String, List<Destination>> out = new HashMap<>();
        byKey.forEach((k, acc) -> out.computeIfAbsent(k.group(), g -> new ArrayList<>()).add(new Destination(k.name(),
                k.verdict(), acc.count, acc.first.cmd(), acc.first.exe(), acc.first.line(), new ArrayList<>(acc.processes),
                WaitTime.of(acc.attempts))));
        out.values().forEach(l -> l.sort(ORDER));
        return out;
    }

    /** Only blocked, audited and outage destinations. */
    public static List<Destination> notable(RunModel model) {
        return of(model).stream().filter(d -> d.verdict().notable()).toList();
    }
}
