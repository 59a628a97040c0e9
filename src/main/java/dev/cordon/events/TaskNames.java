package dev.cordon.events;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Names the task a process runs in when cordon guards an existing cgroup ({@code cordon guard}):
 * from the cgroup id the kernel reports ({@code bpf_get_current_cgroup_id()}, which on cgroup2 is
 * the inode number of the cgroup's directory) to a name relative to the guarded directory:
 * <ul>
 *   <li>{@value #GUARDED} for the guarded cgroup itself (its path relative to itself);</li>
 *   <li>{@code a/b} for the descendant {@code guarded/a/b};</li>
 *   <li>where a path component below the guarded directory is a systemd unit (a name ending in one of
 *       {@link #UNIT_SUFFIXES}, the unit types systemd gives a cgroup), the deepest such unit:
 *       guarding {@code /sys/fs/cgroup/system.slice}, a process in
 *       {@code system.slice/deploy@42.service/payload} runs in task {@code deploy@42.service}. The
 *       deepest, because slices above a unit only file it ({@code a.slice/a-b.slice/x.service} is task
 *       {@code x.service}), and what lies below a unit (sub-cgroups a service made for itself) is
 *       the unit's own business: the unit is what the deploy system started and what
 *       {@code systemctl status} and the journal call it;</li>
 *   <li>{@code cgroup:<id>} (unsigned decimal) for an id not found under the guarded directory: a
 *       cgroup already removed when its event was read, one created since the last walk when another
 *       walk is not yet due, one past the walk's bounds, or one outside the guarded tree.</li>
 * </ul>
 *
 * <p>The directory is found by walking the guarded tree breadth first and matching inode numbers;
 * every directory seen is remembered (ids are not reused, so a removed cgroup keeps its name). An
 * id not remembered makes it walk again, but never sooner than {@link #MIN_GAP_NS} after the last
 * walk ended, nor sooner than {@link #COST_FACTOR} times as long as that walk took, so unknown ids,
 * however many, keep it walking at most a fifth of the time. A walk looks at no more than
 * {@link #MAX_ENTRIES} directory entries (cgroup control files count: ~40 per cgroup) and goes no
 * deeper than {@link #MAX_DEPTH} below the guarded directory; being breadth first, the bounds cut
 * off the deepest cgroups first.
 *
 * <p>Thread-safe: called from the event thread and the DNS proxy's threads. A walk holds the lock,
 * so another caller may wait for one (milliseconds on a host's system.slice).
 */
public final class TaskNames {
    /** The name of the guarded cgroup itself. */
    public static final String GUARDED = ".";
    /** A name ending in one of these is a systemd unit: the types systemd creates a cgroup for. */
    public static final List<String> UNIT_SUFFIXES = List.of(".service", ".scope", ".slice", ".socket", ".mount", ".swap");
    static final int MAX_DEPTH = 32, MAX_ENTRIES = 100_000;
    static final long MIN_GAP_NS = 20_000_000L;
    static final int COST_FACTOR = 4;
    /** Ids remembered, least recently used out first; well above what one walk can find. */
    private static final int CAPACITY = 1 << 17;
    private static final String FALLBACK_PREFIX = "cgroup:";

    private final Path guarded;
    private final long guardedId;
    private final int maxDepth, maxEntries;
    private final LongSupplier nanoClock;
    private final Map<Long, String> names = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
            return size() > CAPACITY;
        }
    };
    private long nextWalkNs;
    private long walks;

    /**
     * Names tasks below {@code guarded}, a cgroup2 directory ({@code /sys/fs/cgroup/system.slice});
     * walks it once now.
     *
     * @throws IOException when {@code guarded} is missing or not a directory
     */
    public TaskNames(Path guarded) throws IOException {
        this(guarded, MAX_DEPTH, MAX_ENTRIES, System::nanoTime);
    }

    TaskNames(Path guarded, int maxDepth, int maxEntries, LongSupplier nanoClock) throws IOException {
        this.guarded = guarded;
        this.maxDepth = maxDepth;
        this.maxEntries = maxEntries;
        this.nanoClock = nanoClock;
        Map<String, Object> own = Files.readAttributes(guarded, "unix:isDirectory,ino"); // the guarded path may be a link
        if (!Boolean.TRUE.equals(own.get("isDirectory"))) throw new NotDirectoryException(guarded.toString());
        this.guardedId = (Long) own.get("ino");
        synchronized (this) {
            walk();
        }
    }

    /** The task of the cgroup with this id; never null. */
    public synchronized String nameOf(long cgroupId) {
        String name = names.get(cgroupId);
        if (name == null && nanoClock.getAsLong() - nextWalkNs >= 0) {
            walk();
            name = names.get(cgroupId);
        }
        return name != null ? name : fallback(cgroupId);
    }

    /** The name of an id that was not found: {@code cgroup:<id>}. */
    public static String fallback(long cgroupId) {
        return FALLBACK_PREFIX + Long.toUnsignedString(cgroupId);
    }

    /** Whether a directory name is a systemd unit's. */
    public static boolean isUnit(String component) {
        for (String suffix : UNIT_SUFFIXES) {
            if (component.length() > suffix.length() && component.endsWith(suffix)) return true;
        }
        return false;
    }

    /** Walks done so far, the first included. */
    synchronized long walks() {
        return walks;
    }

    /** A directory still to list: its path relative to the guarded one, and the deepest unit on the way (or null). */
    private record Pending(Path dir, int depth, String relative, String unit) {
        String name() {
            return unit != null ? unit : relative;
        }
    }

    private void walk() {
        long start = nanoClock.getAsLong();
        walks++;
        names.put(guardedId, GUARDED);
        ArrayDeque<Pending> queue = new ArrayDeque<>();
        queue.add(new Pending(guarded, 0, GUARDED, null));
        int entries = 0;
        while (!queue.isEmpty() && entries < maxEntries) {
            Pending at = queue.poll();
            if (at.depth() >= maxDepth) continue;
            try (DirectoryStream<Path> children = Files.newDirectoryStream(at.dir())) {
                for (Path child : children) {
                    if (++entries > maxEntries) break;
                    Long id = directoryId(child);
                    if (id == null) continue;
                    String component = child.getFileName().toString();
                    String relative = at.depth() == 0 ? component : at.relative() + "/" + component;
                    Pending next = new Pending(child, at.depth() + 1, relative, isUnit(component) ? component : at.unit());
                    names.put(id, next.name());
                    queue.add(next);
                }
            } catch (IOException | DirectoryIteratorException e) {
                // removed while we walked: its children are gone with it
            }
        }
        long end = nanoClock.getAsLong();
        nextWalkNs = end + Math.max(MIN_GAP_NS, COST_FACTOR * (end - start));
    }

    /** The inode number of a directory (not followed through a link), or null for anything else or a vanished entry. */
    private static Long directoryId(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:isDirectory,ino", LinkOption.NOFOLLOW_LINKS);
            return Boolean.TRUE.equals(a.get("isDirectory")) ? (Long) a.get("ino") : null;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
