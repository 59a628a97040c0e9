package dev.cordon.limits;

import dev.cordon.policy.Limits;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A session's limits, set in the cgroups {@link Placements} chose: the v2 files of the session
 * cgroup ({@code memory.max}, {@code cpu.max}, {@code pids.max}) or the v1 files of a directory
 * made for the session in each v1 hierarchy ({@code memory.limit_in_bytes},
 * {@code cpu.cfs_quota_us}, {@code pids.max}). Swap counts against the memory cap, so a breach ends
 * in the kernel's OOM killer, inside the session only, and not in a host that swaps. Afterwards
 * {@link #outcome} reads what each controller counted; closing removes the v1 directories.
 *
 * <p>A cgroup that is not cordon's (the one {@code cordon guard} protects) gets its own values
 * back on close, and its counters are read as what happened since the limits were set.
 */
public final class SessionLimits implements AutoCloseable {
    private final Limits limits;
    private final List<Placement> placements;
    private final List<Path> made = new ArrayList<>();
    /** Files of a cgroup that is not cordon's, with the value each had, in the order they were written. */
    private final List<Map.Entry<Path, String>> previous = new ArrayList<>();
    private Outcome baseline = new Outcome(0, 0, 0);

    private SessionLimits(Limits limits, List<Placement> placements) {
        this.limits = limits;
        this.placements = List.copyOf(placements);
    }

    /** Sets every limit, or none: on failure what was made is removed and the error says which step failed. */
    public static SessionLimits apply(Limits limits, List<Placement> placements) {
        SessionLimits s = new SessionLimits(limits, placements);
        try {
            s.baseline = s.counted();
            for (Placement p : placements) s.set(p);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e instanceof LimitsException l ? l : new LimitsException("cannot set the session's limits: " + e.getMessage(), e);
        }
    }

    private void set(Placement p) throws IOException {
        if (p.v2()) {
            enableInParent(p);
        } else {
            Files.createDirectory(p.dir());
            made.add(p.dir());
        }
        switch (p.controller()) {
            case MEMORY -> {
                String bytes = Long.toString(limits.memory().bytes());
                write(p, p.v2() ? "memory.max" : "memory.limit_in_bytes", bytes);
                // Where swap is accounted, it counts too: a breach is an OOM kill, not a host slowed by swapping.
                if (p.v2()) writeIfPresent(p, "memory.swap.max", "0");
                else writeIfPresent(p, "memory.memsw.limit_in_bytes", bytes);
            }
            case CPU -> {
                if (p.v2()) {
                    write(p, "cpu.max", limits.cpuQuotaUs() + " " + Limits.CPU_PERIOD_US);
                } else {
                    write(p, "cpu.cfs_period_us", Long.toString(Limits.CPU_PERIOD_US));
                    write(p, "cpu.cfs_quota_us", Long.toString(limits.cpuQuotaUs()));
                }
            }
            case PIDS -> write(p, "pids.max", Long.toString(limits.pids()));
        }
    }

    /** v2 hands a controller to a child only when the parent's cgroup.subtree_control names it. */
    private static void enableInParent(Placement p) throws IOException {
        Path control = p.dir().getParent().resolve("cgroup.subtree_control");
        if (Placements.words(control).contains(p.controller().kernelName)) return;
        try {
            Files.writeString(control, "+" + p.controller().kernelName, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new LimitsException("cannot enable the " + p.controller().kernelName + " controller for " + p.dir() + " ("
                    + control + ": " + e.getMessage() + "); a parent with processes of its own cannot hand controllers down", e);
        }
    }

    private void write(Placement p, String file, String value) throws IOException {
        Path f = p.dir().resolve(file);
        if (p.foreign()) previous.add(Map.entry(f, Files.readString(f, StandardCharsets.US_ASCII).strip()));
        try {
            Files.writeString(f, value, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new LimitsException("cannot write " + value + " to " + f + ": " + e.getMessage(), e);
        }
    }

    private void writeIfPresent(Placement p, String file, String value) throws IOException {
        if (Files.exists(p.dir().resolve(file))) write(p, file, value);
    }

    public List<Placement> placements() {
        return placements;
    }

    /** The v1 cgroup.procs files the command's pid goes to before it execs (the v2 one is the session's own). */
    public List<Path> v1ProcsFiles() {
        return placements.stream().filter(p -> !p.v2()).map(Placement::procsFile).toList();
    }

    /** What the controllers counted; read after the command ended. */
    public record Outcome(long oomKills, long pidsRefused, long cpuThrottledPeriods) {}

    public Outcome outcome() {
        Outcome now = counted();
        return new Outcome(now.oomKills() - baseline.oomKills(), now.pidsRefused() - baseline.pidsRefused(),
                now.cpuThrottledPeriods() - baseline.cpuThrottledPeriods());
    }

    private Outcome counted() {
        long oom = 0, pids = 0, cpu = 0;
        for (Placement p : placements) {
            switch (p.controller()) {
                case MEMORY -> oom = counter(p.dir().resolve(p.v2() ? "memory.events" : "memory.oom_control"), "oom_kill").orElse(0L);
                case PIDS -> pids = counter(p.dir().resolve("pids.events"), "max").orElse(0L);
                case CPU -> cpu = counter(p.dir().resolve("cpu.stat"), "nr_throttled").orElse(0L);
            }
        }
        return new Outcome(oom, pids, cpu);
    }

    /** The lines the summary adds, e.g. {@code killed: memory limit 512M reached (1 process)}. */
    public List<String> describe(Outcome o) {
        List<String> lines = new ArrayList<>();
        if (o.oomKills() > 0) {
            lines.add("killed: memory limit " + limits.memory() + " reached (" + o.oomKills() + (o.oomKills() == 1 ? " process" : " processes")
                    + " killed by the kernel's OOM killer, inside the session only)");
        }
        if (o.pidsRefused() > 0) {
            lines.add("refused: pids limit " + limits.pids() + " reached (" + o.pidsRefused() + " fork" + (o.pidsRefused() == 1 ? "" : "s")
                    + " failed)");
        }
        return lines;
    }

    /** {@code key N} from a flat-keyed cgroup file. */
    static Optional<Long> counter(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.strip().split("\\s+");
                if (f.length == 2 && f[0].equals(key)) return Optional.of(Long.parseLong(f[1]));
            }
        } catch (IOException | NumberFormatException e) {
            // gone or unreadable: nothing counted
        }
        return Optional.empty();
    }

    /**
     * Puts back the values of a cgroup that is not cordon's (last written first), then removes the
     * v1 directories once their processes are gone (rmdir can briefly fail with EBUSY).
     */
    @Override
    public void close() {
        List<String> failed = new ArrayList<>();
        for (Map.Entry<Path, String> e : previous.reversed()) {
            try {
                Files.writeString(e.getKey(), e.getValue(), StandardCharsets.US_ASCII);
            } catch (IOException x) {
                failed.add(e.getKey() + " (" + e.getValue() + "): " + x.getMessage());
            }
        }
        previous.clear();
        if (!failed.isEmpty()) throw new LimitsException("cannot put back the limits that were there before: " + String.join("; ", failed));
        for (Path d : made.reversed()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (true) {
                try {
                    Files.deleteIfExists(d);
                    break;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) throw new LimitsException("cannot remove cgroup " + d + ": " + e.getMessage(), e);
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
            }
        }
        made.clear();
    }
}
