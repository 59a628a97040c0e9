package dev.cordon.report.analysis;

import dev.cordon.report.model.Attempt;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Wall-clock time spent waiting: the union of the attempts' waits. A resolver asks A and AAAA at
 * once and both are held; the command waited once, not twice.
 */
final class WaitTime {
    private WaitTime() {}

    static long of(List<Attempt> attempts) {
        List<Attempt> waits = new ArrayList<>();
        for (Attempt a : attempts) if (a.waitedMs() > 0) waits.add(a);
        waits.sort(Comparator.comparing(Attempt::time));
        long total = 0;
        long spanStart = Long.MIN_VALUE, spanEnd = Long.MIN_VALUE;
        for (Attempt a : waits) {
            long start = a.time().toEpochMilli();
            long end = start + a.waitedMs();
            if (start > spanEnd) {
                if (spanEnd > spanStart) total += spanEnd - spanStart;
                spanStart = start;
                spanEnd = end;
            } else {
                spanEnd = Math.max(spanEnd, end);
            }
        }
        if (spanEnd > spanStart) total += spanEnd - spanStart;
        return total;
    }
}
