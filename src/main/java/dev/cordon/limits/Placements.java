package dev.cordon.limits;

import dev.cordon.policy.Limits;
import dev.cordon.sys.MountTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides where each limit is enforced. cgroup v2 first: the controller must be offered to the
 * session cgroup by its parent ({@code cgroup.controllers}, then enabled in its
 * {@code cgroup.subtree_control}). Else a v1 hierarchy that has it (hybrid hosts like these build
 * machines: v2 holds only hugetlb, v1 holds cpu, memory and pids). Neither: the option is refused,
 * never ignored.
 */
public final class Placements {
    private Placements() {}

    /** Where this process sits in each cgroup hierarchy: the lines of /proc/self/cgroup. */
    public static List<String> ownCgroups() {
        try {
            return Files.readAllLines(Path.of("/proc/self/cgroup"));
        } catch (IOException e) {
            throw new LimitsException("cannot read /proc/self/cgroup: " + e.getMessage());
        }
    }

    /** The controllers the limits need, each with where it will act; nothing is changed yet. */
    public static List<Placement> plan(Limits limits, Path sessionCgroup, String name, MountTable mounts, List<String> ownCgroups) {
        List<Placement> out = new ArrayList<>();
        for (Controller c : needed(limits)) {
            Optional<Placement> p = v2(c, sessionCgroup).or(() -> v1(c, name, mounts, ownCgroups));
            out.add(p.orElseThrow(() -> unavailable(c, sessionCgroup)));
        }
        return out;
    }

    /**
     * For {@code cordon guard}: the limits go on the guarded cgroup itself, through cgroup v2 only.
     * A v1 cgroup cordon made would hold only the processes cordon put there, and a guard puts none
     * (the deploy system places them, in v2): so a controller that is v1 only is refused.
     */
    public static List<Placement> planGuard(Limits limits, Path guarded, MountTable mounts) {
        List<Placement> out = new ArrayList<>();
        for (Controller c : needed(limits)) {
            out.add(v2(c, guarded).map(p -> new Placement(c, p.dir(), true, false, null, true)).orElseThrow(() -> {
                Path parent = guarded.getParent();
                String offered = String.join(" ", words(parent.resolve("cgroup.controllers")));
                boolean v1 = !mounts.cgroupV1With(c.kernelName).isEmpty();
                return new LimitsException("cordon guard " + c.option + " needs the " + c.kernelName + " controller in cgroup v2 for "
                        + guarded + ", and cgroup v2 offers " + (offered.isEmpty() ? "no controllers" : "only " + offered) + " there"
                        + (v1 ? " (on this host " + c.kernelName + " is a cgroup v1 controller, and the processes your deploy system "
                                + "puts into " + guarded.getFileName() + " would never join a v1 cgroup cordon makes)" : "")
                        + "; leave " + c.option + " out, cap the tasks with cordon run " + c.option + ", or enable " + c.kernelName
                        + " in cgroup v2");
            }));
        }
        return out;
    }

    static Set<Controller> needed(Limits limits) {
        Set<Controller> s = EnumSet.noneOf(Controller.class);
        if (limits.memory() != null) s.add(Controller.MEMORY);
        if (limits.cpu() != null) s.add(Controller.CPU);
        if (limits.pids() != null) s.add(Controller.PIDS);
        return s;
    }

    private static Optional<Placement> v2(Controller c, Path sessionCgroup) {
        Path parent = sessionCgroup.getParent();
        if (parent == null || !words(parent.resolve("cgroup.controllers")).contains(c.kernelName)) return Optional.empty();
        return Optional.of(new Placement(c, sessionCgroup, true, false, null, false));
    }

    private static Optional<Placement> v1(Controller c, String name, MountTable mounts, List<String> ownCgroups) {
        for (MountTable.Mount m : mounts.cgroupV1With(c.kernelName)) {
            Optional<String> own = ownPath(ownCgroups, c.kernelName);
            if (own.isEmpty()) continue;
            String rel = own.get();
            if (!m.root().equals("/")) { // a mount of a subtree (containers): our path must lie inside it
                if (!rel.equals(m.root()) && !rel.startsWith(m.root() + "/")) continue;
                rel = rel.substring(m.root().length());
            }
            Path dir = m.path();
            for (String part : rel.split("/")) if (!part.isEmpty()) dir = dir.resolve(part);
            return Optional.of(new Placement(c, dir.resolve(name), false, true, m, false));
        }
        return Optional.empty();
    }

    /** The path in the v1 hierarchy that has {@code controller}: {@code 4:memory:/some/path}. */
    static Optional<String> ownPath(List<String> ownCgroups, String controller) {
        for (String line : ownCgroups) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && !f[1].isEmpty() && Arrays.asList(f[1].split(",")).contains(controller)) return Optional.of(f[2]);
        }
        return Optional.empty();
    }

    private static LimitsException unavailable(Controller c, Path sessionCgroup) {
        Path parent = sessionCgroup.getParent();
        String offered = parent == null ? "" : String.join(" ", words(parent.resolve("cgroup.controllers")));
        return new LimitsException(c.option + " needs the " + c.kernelName + " controller, and this host has it nowhere cordon can use: "
                + "cgroup v2 offers " + (offered.isEmpty() ? "no controllers" : "only " + offered) + " at " + parent
                + ", and no cgroup v1 hierarchy with " + c.kernelName + " is mounted; leave " + c.option + " out or enable the controller");
    }

    static List<String> words(Path file) {
        try {
            return List.of(Files.readString(file).strip().split("\\s+"));
        } catch (IOException e) {
            return List.of();
        }
    }
}
