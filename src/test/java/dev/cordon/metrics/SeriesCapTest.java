package dev.cordon.metrics;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SeriesCapTest {
    @Test
    void theFirstLabelSetsStandForThemselvesThenOpenLabelsCollapse() {
        SeriesCap cap = new SeriesCap(3, false, true);
        assertThat(cap.admit("blocked", "a")).containsExactly("blocked", "a");
        assertThat(cap.admit("blocked", "b")).containsExactly("blocked", "b");
        assertThat(cap.admit("allowed", null)).as("null is no label").containsExactly("allowed", "");
        assertThat(cap.admit("blocked", "c")).containsExactly("blocked", SeriesCap.OTHER);
        assertThat(cap.admit("allowed", "d")).containsExactly("allowed", SeriesCap.OTHER);
        assertThat(cap.admit("blocked", "a")).as("admitted before the cap: still itself").containsExactly("blocked", "a");
        assertThat(cap.overflowed()).isEqualTo(2);
    }

    @Test
    void aFloodOfTasksStaysWithinTheCap() throws InterruptedException {
        SeriesCap cap = new SeriesCap(100, false, true);
        Set<List<String>> series = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int base = t * 10_000;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 10_000; i++) series.add(List.of(cap.admit(i % 2 == 0 ? "blocked" : "allowed", "task-" + (base + i))));
            }));
        }
        for (Thread t : threads) t.join();
        assertThat(series).hasSize(100 + 2);
        assertThat(cap.overflowed()).isEqualTo(40_000 - 100);
        assertThat(new HashSet<>(series)).contains(List.of("blocked", SeriesCap.OTHER), List.of("allowed", SeriesCap.OTHER));
    }
}
