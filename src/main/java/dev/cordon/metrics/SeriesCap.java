package dev.cordon.metrics;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounds the series of one labelled metric. Rules and tasks can be many (a task per deploy job, a
 * rule per allowed name), and every distinct label set is a series Prometheus keeps: the first
 * {@code max} label sets stand for themselves; any later new one is counted with its open labels
 * (rule, task) replaced by {@link #OTHER}, so the metric has at most {@code max} series plus one
 * per value of its closed labels (type, verdict). What was counted that way is {@link #overflowed()}.
 *
 * <p>A label set seen before costs one lock-free set lookup; only a new one takes a lock.
 */
final class SeriesCap {
    /** The value an open label takes past the cap. */
    static final String OTHER = "_other";

    private final int max;
    private final boolean[] open;
    private final Set<List<String>> admitted = ConcurrentHashMap.newKeySet();
    private final LongAdder overflowed = new LongAdder();

    /** @param open for each label, in order, whether it collapses to {@link #OTHER} past the cap */
    SeriesCap(int max, boolean... open) {
        this.max = max;
        this.open = open.clone();
    }

    /** The label values to count under: {@code values} itself (nulls as empty, i.e. no label), or collapsed past the cap. */
    String[] admit(String... values) {
        if (values.length != open.length) throw new IllegalArgumentException("expected " + open.length + " label values");
        String[] v = new String[values.length];
        for (int i = 0; i < v.length; i++) v[i] = values[i] == null ? "" : values[i];
        List<String> key = List.of(v);
        if (admitted.contains(key) || admitNew(key)) return v;
        overflowed.increment();
        for (int i = 0; i < v.length; i++) if (open[i]) v[i] = OTHER;
        return v;
    }

    private synchronized boolean admitNew(List<String> key) {
        if (admitted.size() >= max) return false;
        admitted.add(key);
        return true;
    }

    int max() {
        return max;
    }

    /** Counts made under {@link #OTHER} because the cap was reached. */
    long overflowed() {
        return overflowed.sum();
    }
}
