package dev.cordon.session;

import dev.cordon.policy.Mode;
import dev.cordon.sys.Capability;
import dev.cordon.sys.LocalResolvers;
import dev.cordon.sys.UserAccount;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What keeps the command inside the guard besides the BPF programs: its own cgroup namespace
 * rooted at the session cgroup (so it cannot write itself into another cgroup's cgroup.procs),
 * capabilities that could leave or undo the guard removed from its bounding, inheritable and
 * ambient sets (so no exec brings them back), and optionally another user.
 *
 * @param keep capabilities the user asked to keep (--keep-cap), each one of {@link #DROPPED}
 * @param user run the command as this user (--user), or null to keep cordon's
 */
public record Containment(Set<Capability> keep, UserAccount user) {
    /**
     * Dropped by default, and why each one lets a command leave or blind the guard.
     * CAP_NET_RAW is dropped in enforce mode only (audit mode changes nothing the command does).
     */
    public static final Map<Capability, String> DROPPED = dropped();

    public static final Containment DEFAULT = new Containment(Set.of(), null);

    public Containment {
        keep = keep.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(keep));
        for (Capability c : keep) {
            if (!DROPPED.containsKey(c)) throw new IllegalArgumentException(c.shortName() + " is not dropped by cordon");
        }
    }

    private static Map<Capability, String> dropped() {
        Map<Capability, String> m = new LinkedHashMap<>();
        m.put(Capability.SYS_ADMIN, "setns into the host's cgroup or network namespace, mount, detach programs");
        m.put(Capability.NET_ADMIN, "change routes, firewall rules and interfaces; attach or detach cgroup programs");
        m.put(Capability.NET_RAW, "raw and packet sockets send past every address hook (packet sockets past cgroup_skb too)");
        m.put(Capability.BPF, "load programs and reach cordon's maps and links by id");
        m.put(Capability.PERFMON, "with CAP_BPF, tracing programs that read or change any process");
        m.put(Capability.SYS_MODULE, "load a kernel module: anything at all");
        m.put(Capability.SYS_PTRACE, "ptrace or pidfd_getfd a process outside the session (cordon itself) and act through it");
        m.put(Capability.SYS_RAWIO, "raw I/O ports and /dev/mem: write kernel memory");
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * Parses --keep-cap values: names as setpriv or /proc spell them ({@code net_raw}, {@code CAP_NET_RAW}).
     *
     * @throws IllegalArgumentException naming the bad value and the accepted ones
     */
    public static Set<Capability> parseKeep(List<String> names) {
        EnumSet<Capability> out = EnumSet.noneOf(Capability.class);
        for (String n : names) {
            Capability c = Capability.parse(n).orElseThrow(() -> new IllegalArgumentException(
                    "unknown capability '" + dev.cordon.events.Escape.visible(n) + "' for --keep-cap; cordon drops: " + droppedNames()));
            if (!DROPPED.containsKey(c)) {
                throw new IllegalArgumentException("--keep-cap " + dev.cordon.events.Escape.visible(n) + ": cordon does not drop " + c.constantName()
                        + "; it drops only " + droppedNames());
            }
            out.add(c);
        }
        return out;
    }

    public static String droppedNames() {
        return DROPPED.keySet().stream().map(Capability::shortName).collect(Collectors.joining(", "));
    }

    /**
     * The capabilities the command loses: {@link #DROPPED} minus --keep-cap; CAP_NET_RAW stays in
     * audit mode and with --allow-raw-sockets (both promise raw sockets work, and every one is reported).
     */
    public Set<Capability> dropped(Mode mode, boolean allowRawSockets) {
        EnumSet<Capability> d = EnumSet.copyOf(DROPPED.keySet());
        d.removeAll(keep);
        if (mode == Mode.AUDIT || allowRawSockets) d.remove(Capability.NET_RAW);
        return d;
    }

    /**
     * The step that mounts a fresh cgroup2 over the host's cgroup2 mount point inside the command's
     * own mount namespace. In a cgroup namespace a new cgroup2 mount is rooted at the namespace's
     * root, the session cgroup (the host's mount is detached first: the kernel refuses the same
     * filesystem twice on one mount point): the tree outside it is not even visible, so no cgroup.procs outside
     * can be written (the kernel checks the namespace itself only when cgroup2 is mounted with
     * nsdelegate, which hosts often lack). The mount is private to that namespace, and without
     * CAP_SYS_ADMIN the command cannot unmount it. Mounted from inside a cgroup namespace, it leaves
     * the hierarchy's own flags (nsdelegate) alone. The bpffs holding the session's pins is
     * unmounted in that namespace too: a command running as root owns the pin files, and if it
     * killed cordon and its watchdog and then unlinked them, the programs would detach.
     *
     * <p>Then each argument up to {@code --} does one more thing: {@code v1:OPTIONS:PATH} mounts the
     * session's own view of a cgroup v1 hierarchy that holds one of its limits (in the cgroup
     * namespace it is rooted at the session's v1 cgroup, so a root command cannot move itself out of
     * its limit); {@code dir:PATH} puts an empty read-only tmpfs over a local resolver daemon's
     * directory and {@code sock:PATH} /dev/null over its socket ({@link LocalResolvers}: connect fails
     * at once and glibc falls back to DNS on port 53). Any step that fails ends the chain with 125
     * before the command runs: never half confined.
     */
    private static final String HIDE_DIR_OPTIONS = "ro,nosuid,nodev,noexec,mode=0755";
    static final String MOUNT_STEP = "m=$1; mnt=$2; umnt=$3; b=$4; shift 4; \"$umnt\" -l \"$m\" && \"$mnt\" -t cgroup2 -o nosuid,nodev,noexec cordon \"$m\" "
            + "|| { echo \"cordon: cannot mount the session's cgroup view on $m\" >&2; exit 125; }; "
            + "\"$umnt\" -l \"$b\" || { echo \"cordon: cannot hide $b from the command\" >&2; exit 125; }; "
            + "while [ \"$1\" != -- ]; do case $1 in "
            + "v1:*) o=${1#v1:}; p=${o#*:}; o=${o%%:*}; \"$umnt\" -l \"$p\" && \"$mnt\" -t cgroup -o \"$o\" cgroup \"$p\" ;; "
            + "dir:*) \"$mnt\" -t tmpfs -o " + HIDE_DIR_OPTIONS + " cordon-hidden \"${1#dir:}\" ;; "
            + "sock:*) \"$mnt\" --bind /dev/null \"${1#sock:}\" ;; "
            + "*) false ;; esac || { echo \"cordon: cannot hide ${1#*:} from the command\" >&2; exit 125; }; shift; done; "
            + "shift; exec \"$@\"";
    /**
     * A cgroup v1 hierarchy the command is placed in for a limit, to be mounted again as its own view.
     *
     * @param options the hierarchy's controllers as mount options, e.g. {@code memory} or {@code cpu,cpuacct}
     */
    public record V1View(java.nio.file.Path mountPoint, String options) {}

    /** The chain and where each of its exec steps starts, so the records can leave them out. */
    public record Chain(List<String> argv, List<Integer> stepStarts, List<List<String>> helpers) {}

    /**
     * The exec chain put between the shim (already in the session cgroup) and the command. Each
     * step execs the next, so the pid cordon waits on stays the command's: unshare makes the cgroup
     * namespace (rooted where the process is now: the session cgroup) and a private mount namespace;
     * a shell mounts the session's view of cgroup2 at {@code cgroup2Mount} and hides {@code hide}
     * (short-lived umount and mount children, the {@link Chain#helpers}); then setpriv, which needs
     * no privilege it is about to drop, changes user and drops capabilities, then execs the command.
     */
    public Chain chain(ContainmentTools tools, Set<Capability> dropped, java.nio.file.Path cgroup2Mount,
                       List<V1View> v1Views, List<LocalResolvers.Endpoint> hide) {
        String mount = tools.mount().toString(), umount = tools.umount().toString();
        List<String> argv = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        starts.add(argv.size());
        argv.addAll(List.of(tools.unshare().toString(), "--cgroup", "--mount", "--propagation=private", "--"));
        starts.add(argv.size());
        argv.addAll(List.of("/bin/sh", "-c", MOUNT_STEP, "cordon-mount", cgroup2Mount.toString(), mount, umount,
                PinDir.BPFFS.toString()));
        List<List<String>> helpers = new ArrayList<>(List.of(List.of(umount, "-l", cgroup2Mount.toString()),
                List.of(mount, "-t", "cgroup2", "-o", "nosuid,nodev,noexec", "cordon", cgroup2Mount.toString()),
                List.of(umount, "-l", PinDir.BPFFS.toString())));
        for (V1View v : v1Views) {
            argv.add("v1:" + v.options() + ":" + v.mountPoint());
            helpers.add(List.of(umount, "-l", v.mountPoint().toString()));
            helpers.add(List.of(mount, "-t", "cgroup", "-o", v.options(), "cgroup", v.mountPoint().toString()));
        }
        for (LocalResolvers.Endpoint e : hide) {
            String path = e.path().toString();
            argv.add((e.directory() ? "dir:" : "sock:") + path);
            helpers.add(e.directory() ? List.of(mount, "-t", "tmpfs", "-o", HIDE_DIR_OPTIONS, "cordon-hidden", path)
                    : List.of(mount, "--bind", "/dev/null", path));
        }
        argv.add("--");
        starts.add(argv.size());
        argv.add(tools.setpriv().toString());
        if (!dropped.isEmpty()) {
            argv.add("--bounding-set=" + EnumSet.copyOf(dropped).stream().map(c -> "-" + c.setprivName()).collect(Collectors.joining(",")));
        }
        argv.add("--inh-caps=-all");
        argv.add("--ambient-caps=-all");
        if (user != null) {
            argv.add("--reuid=" + Integer.toUnsignedString(user.uid()));
            argv.add("--regid=" + Integer.toUnsignedString(user.gid()));
            argv.add("--init-groups");
        }
        argv.add("--");
        return new Chain(List.copyOf(argv), List.copyOf(starts), List.copyOf(helpers));
    }

    /** Environment changes for the command: HOME, USER and LOGNAME of --user; none without it. */
    public Map<String, String> environment() {
        if (user == null) return Map.of();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", user.home().isEmpty() ? "/" : user.home());
        env.put("USER", user.name());
        env.put("LOGNAME", user.name());
        return env;
    }
}
