package dev.cordon.dns;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * The names one address was learned from for one verdict, each with the time it counts until
 * (CLOCK_MONOTONIC ns), in the order they were first learned. At most {@code max}: past that, the
 * name ending first goes (the latest time stays, so the kernel's verdict never changes because of
 * it). Parallel arrays: a lookup is a scan of hashes, no boxing, nothing allocated once an address
 * has its room. Not thread-safe: {@link LearnedAddresses} locks.
 */
final class NameTimes {
    private final int max;
    // Room is made on first use: most addresses are learned one way only.
    private String[] names = new String[0];
    private int[] hashes = new int[0];
    private long[] until = new long[0];
    private int size;

    NameTimes(int max) {
        this.max = max;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Until when the address counts this way: the latest of its names (0: not at all). */
    long until() {
        long m = 0;
        for (int i = 0; i < size; i++) m = Math.max(m, until[i]);
        return m;
    }

    /**
     * Learns {@code name} until {@code t}, or extends it (never shortens).
     *
     * @return true when another name was dropped to make room
     */
    boolean merge(String name, long t) {
        int i = indexOf(name);
        if (i >= 0) {
            if (t > until[i]) until[i] = t;
            return false;
        }
        boolean dropped = false;
        if (size == max) {
            remove(earliest());
            dropped = true;
        }
        if (size == names.length) grow();
        names[size] = name;
        hashes[size] = name.hashCode();
        until[size++] = t;
        return dropped;
    }

    private int indexOf(String name) {
        int h = name.hashCode();
        for (int i = 0; i < size; i++) {
            if (hashes[i] == h && names[i].equals(name)) return i;
        }
        return -1;
    }

    private int earliest() {
        int first = 0;
        for (int i = 1; i < size; i++) if (until[i] < until[first]) first = i;
        return first;
    }

    private void remove(int i) {
        int tail = size - i - 1;
        System.arraycopy(names, i + 1, names, i, tail);
        System.arraycopy(hashes, i + 1, hashes, i, tail);
        System.arraycopy(until, i + 1, until, i, tail);
        names[--size] = null;
    }

    private void grow() {
        int n = Math.min(max, Math.max(2, names.length * 2));
        names = Arrays.copyOf(names, n);
        hashes = Arrays.copyOf(hashes, n);
        until = Arrays.copyOf(until, n);
    }

    /** Drops the names whose time is up. @return whether anything changed */
    boolean expire(long now) {
        boolean changed = false;
        for (int i = size - 1; i >= 0; i--) {
            if (until[i] <= now) {
                remove(i);
                changed = true;
            }
        }
        return changed;
    }

    /** Moves the names {@code which} accepts to {@code to}, with their times. @return whether any moved */
    boolean moveTo(NameTimes to, Predicate<String> which) {
        boolean moved = false;
        for (int i = 0; i < size; ) {
            if (which.test(names[i])) {
                to.merge(names[i], until[i]);
                remove(i);
                moved = true;
            } else {
                i++;
            }
        }
        return moved;
    }

    List<String> names() {
        return new ArrayList<>(Arrays.asList(names).subList(0, size));
    }
}
