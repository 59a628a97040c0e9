package dev.cordon.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Addresses learned from DNS answers, with the names they came from, mirrored into the kernel's
 * learned maps. An entry lives max(TTL, floor) + grace; existing connections are never cut
 * (the hooks only look at new connects). Bounded: past {@code capacity} addresses new ones are
 * refused and counted, which fails closed in allowlist mode.
 */
public final class LearnedAddresses {
    /** The kernel side (EgressGuard), a seam for tests. Times are CLOCK_MONOTONIC ns. */
    public interface KernelTable {
        void learn(byte[] ip, Until until);

        void forget(byte[] ip);
    }

    /** Until when (CLOCK_MONOTONIC ns) an address counts as allowed, denied, down (a simulated outage); 0: not at all. */
    public record Until(long allowNs, long denyNs, long outageNs) {}

    /** Which names an address was learned from; any list may be empty. */
    public record Names(List<String> allowed, List<String> denied, List<String> outage) {
        public Names(List<String> allowed, List<String> denied) {
            this(allowed, denied, List.of());
        }

        public boolean isEmpty() {
            return allowed.isEmpty() && denied.isEmpty() && outage.isEmpty();
        }
    }

    private enum Kind { ALLOWED, DENIED, OUTAGE }

    public record Ttl(long floorSeconds, long graceSeconds) {
        public static final Ttl DEFAULT = new Ttl(30, 60);

        long lifetimeNs(long ttlSeconds) {
            return (Math.max(ttlSeconds, floorSeconds) + graceSeconds) * 1_000_000_000L;
        }
    }

    private static final class Entry {
        final NameTimes allowed = new NameTimes(MAX_NAMES_PER_ADDRESS);
        final NameTimes denied = new NameTimes(MAX_NAMES_PER_ADDRESS);
        final NameTimes outage = new NameTimes(MAX_NAMES_PER_ADDRESS);
        /** What the kernel holds for this address (null: nothing pushed yet). */
        Until pushed;

        NameTimes of(Kind k) {
            return switch (k) {
                case ALLOWED -> allowed;
                case DENIED -> denied;
                case OUTAGE -> outage;
            };
        }

        Until until() {
            return new Until(allowed.until(), denied.until(), outage.until());
        }

        boolean isEmpty() {
            return allowed.isEmpty() && denied.isEmpty() && outage.isEmpty();
        }
    }

    static final long PUSH_SLACK_NS = 250_000_000L;
    private final KernelTable kernel;
    private final Ttl ttl;
    private final int capacity;
    private final Map<InetAddress, Entry> entries = new HashMap<>();
    private final AtomicLong refusedAtCapacity = new AtomicLong();
    private final AtomicLong namesDropped = new AtomicLong();
    /** Names kept per address and kind (a shared CDN address can serve thousands). */
    public static final int MAX_NAMES_PER_ADDRESS = 64;
    private final java.util.function.LongSupplier clock;

    public LearnedAddresses(KernelTable kernel, Ttl ttl, int capacity) {
        this(kernel, ttl, capacity, System::nanoTime);
    }

    LearnedAddresses(KernelTable kernel, Ttl ttl, int capacity, java.util.function.LongSupplier clock) {
        this.kernel = kernel;
        this.ttl = ttl;
        this.capacity = capacity;
        this.clock = clock;
    }

    public void learnAllowed(InetAddress ip, String name, long ttlSeconds) {
        learn(ip, name, ttlSeconds, Kind.ALLOWED);
    }

    public void learnDenied(InetAddress ip, String name, long ttlSeconds) {
        learn(ip, name, ttlSeconds, Kind.DENIED);
    }

    /** An address of a --simulate-outage name: the kernel makes it look down. */
    public void learnOutage(InetAddress ip, String name, long ttlSeconds) {
        learn(ip, name, ttlSeconds, Kind.OUTAGE);
    }

    private synchronized void learn(InetAddress ip, String name, long ttlSeconds, Kind kind) {
        Entry e = entries.get(ip);
        if (e == null) {
            if (entries.size() >= capacity) {
                refusedAtCapacity.incrementAndGet();
                return;
            }
            e = new Entry();
            entries.put(ip, e);
        }
        long until = clock.getAsLong() + ttl.lifetimeNs(ttlSeconds);
        // Bounded against floods of names sharing one address: the name ending first goes; the
        // longest time stays, so the kernel's verdict is unchanged. Only reports lose a name.
        if (e.of(kind).merge(name, until)) namesDropped.incrementAndGet();
        Until pushed = e.pushed;
        if (pushed != null && !later(pushed.allowNs(), e.allowed.until()) && !later(pushed.denyNs(), e.denied.until())
                && !later(pushed.outageNs(), e.outage.until())) {
            return; // within the slack of what the kernel holds: no map update
        }
        Until now = e.until();
        kernel.learn(ip.getAddress(), now);
        e.pushed = now;
    }

    /**
     * Whether the kernel needs a time of {@code next} where it holds {@code pushed}: not when both are
     * set and {@code next} is at most {@link #PUSH_SLACK_NS} later. A name asked thousands of times a
     * second then costs one map update per address every quarter second, not one per answer; the
     * kernel's entry ends at most that much earlier than the exact time (out of a lifetime of floor
     * + grace, minutes).
     */
    private static boolean later(long pushed, long next) {
        if ((pushed == 0) != (next == 0)) return true;
        return next < pushed || next - pushed > PUSH_SLACK_NS;
    }

    /** Names for an address, live or expired (an expired name still explains an old event). */
    public synchronized Names namesFor(byte[] ip) {
        try {
            Entry e = entries.get(InetAddress.getByAddress(ip));
            if (e == null) return new Names(List.of(), List.of());
            return new Names(e.allowed.names(), e.denied.names(), e.outage.names());
        } catch (java.net.UnknownHostException ex) {
            return new Names(List.of(), List.of());
        }
    }

    /** Drops names whose time is up; addresses with none left leave the kernel too. @return addresses removed */
    public synchronized int sweep() {
        long now = clock.getAsLong();
        int removed = 0;
        var it = entries.entrySet().iterator();
        while (it.hasNext()) {
            var me = it.next();
            Entry e = me.getValue();
            boolean changed = e.allowed.expire(now) | e.denied.expire(now) | e.outage.expire(now);
            if (e.isEmpty()) {
                kernel.forget(me.getKey().getAddress());
                it.remove();
                removed++;
            } else if (changed) {
                e.pushed = e.until();
                kernel.learn(me.getKey().getAddress(), e.pushed);
            }
        }
        return removed;
    }

    /**
     * After a policy reload: every name moves to the kind the new policy gives it (allowed names now
     * denied become denied and the reverse; outage names stay), and the kernel learns the result, so
     * a connect to an address is judged by the new policy at once, not when its names expire.
     *
     * @return addresses whose kernel entry changed
     */
    public synchronized int rejudge(java.util.function.Predicate<String> denied) {
        int changed = 0;
        for (var me : entries.entrySet()) {
            Entry e = me.getValue();
            boolean moved = e.allowed.moveTo(e.denied, denied) | e.denied.moveTo(e.allowed, denied.negate());
            if (!moved) continue;
            e.pushed = e.until();
            kernel.learn(me.getKey().getAddress(), e.pushed);
            changed++;
        }
        return changed;
    }

    public synchronized int size() {
        return entries.size();
    }

    /** Names forgotten because an address had {@link #MAX_NAMES_PER_ADDRESS} already. */
    public long namesDropped() {
        return namesDropped.get();
    }

    public long refusedAtCapacity() {
        return refusedAtCapacity.get();
    }
}
