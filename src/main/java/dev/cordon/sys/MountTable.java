package dev.cordon.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The mount table, and which of its mounts are really visible: the one parser of
 * {@code /proc/self/mountinfo} (and of {@code /proc/self/mounts} lines, which tests write by hand).
 *
 * <p>The table lists a mount even when a later mount hides it: cgroup2 mounted over
 * {@code /sys/fs/cgroup} on a hybrid host still lists {@code /sys/fs/cgroup/unified}, first, though
 * that path now leads into the new mount. A mount is hidden when a mount listed after it sits on its
 * path or on a parent directory of it and is not one of its own ancestors (mountinfo's parent ids;
 * {@code /proc/mounts} lines have none, and list parents first).
 */
public record MountTable(List<Mount> mounts) {
    public static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    /**
     * One mount. {@code id} and {@code parentId} are -1 for a {@code /proc/mounts} line.
     *
     * @param root         the directory of the filesystem mounted here ("/" for its root)
     * @param options      per-mount options (mountinfo field 6), e.g. ro, nosuid
     * @param superOptions the filesystem's own options, e.g. nsdelegate, mode=700 (the same as
     *                     {@code options} for a {@code /proc/mounts} line, which merges both)
     */
    public record Mount(int id, int parentId, String source, String target, String type, String root,
                        List<String> options, List<String> superOptions) {
        public Mount {
            options = List.copyOf(options);
            superOptions = List.copyOf(superOptions);
        }

        public boolean hasOption(String option) {
            return options.contains(option) || superOptions.contains(option);
        }

        public boolean readOnly() {
            return options.contains("ro");
        }

        public Path path() {
            return Path.of(target);
        }
    }

    public MountTable {
        mounts = List.copyOf(mounts);
    }

    /** This process's mount table. */
    public static MountTable read() throws IOException {
        return parse(Files.readAllLines(MOUNTINFO));
    }

    /** Lines of mountinfo or of /proc/mounts; lines of neither shape are ignored. */
    public static MountTable parse(List<String> lines) {
        List<Mount> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.strip().split(" ");
            Mount m = f.length >= 10 && f[0].matches("\\d+") && f[1].matches("\\d+") ? mountinfo(f)
                    : f.length >= 4 ? procMounts(f) : null;
            if (m != null) out.add(m);
        }
        return new MountTable(out);
    }

    /** {@code id parent major:minor root target options [optional...] - type source superOptions} */
    private static Mount mountinfo(String[] f) {
        int dash = Arrays.asList(f).indexOf("-");
        if (dash < 6 || dash + 2 >= f.length) return null;
        String superOptions = dash + 3 < f.length ? f[dash + 3] : "";
        return new Mount(Integer.parseInt(f[0]), Integer.parseInt(f[1]), unescape(f[dash + 2]), unescape(f[4]), f[dash + 1],
                unescape(f[3]), options(f[5]), options(superOptions));
    }

    /** {@code source target type options dump pass} */
    private static Mount procMounts(String[] f) {
        List<String> options = options(f[3]);
        return new Mount(-1, -1, unescape(f[0]), unescape(f[1]), f[2], "/", options, options);
    }

    private static List<String> options(String s) {
        return s.isEmpty() ? List.of() : List.of(s.split(","));
    }

    /** The mounts a path lookup can reach, in table order. */
    public List<Mount> visible() {
        Map<Integer, Integer> parents = new HashMap<>();
        for (Mount m : mounts) if (m.id() >= 0) parents.put(m.id(), m.parentId());
        List<Mount> out = new ArrayList<>();
        for (int i = 0; i < mounts.size(); i++) if (!hidden(i, parents)) out.add(mounts.get(i));
        return out;
    }

    private boolean hidden(int i, Map<Integer, Integer> parents) {
        Mount m = mounts.get(i);
        Path where = m.path();
        for (int j = i + 1; j < mounts.size(); j++) {
            Mount later = mounts.get(j);
            if (where.startsWith(later.path()) && !isAncestor(later.id(), m.id(), parents)) return true;
        }
        return false;
    }

    /** Follows parent ids up from {@code id}; bounded, since a table can be inconsistent (read while it changed). */
    private static boolean isAncestor(int candidate, int id, Map<Integer, Integer> parents) {
        if (candidate < 0) return false;
        Integer parent = parents.get(id);
        for (int hops = 0; parent != null && hops < parents.size(); hops++) {
            if (parent == candidate) return true;
            parent = parents.get(parent);
        }
        return false;
    }

    /** Visible mounts of this filesystem type. */
    public List<Mount> ofType(String type) {
        return visible().stream().filter(m -> m.type().equals(type)).toList();
    }

    /** The visible mount of this type at exactly {@code target}, if any. */
    public Optional<Mount> at(Path target, String type) {
        return ofType(type).stream().filter(m -> m.path().equals(target)).findFirst();
    }

    /** The cgroup v2 hierarchy cordon uses: the first visible cgroup2 mount. */
    public Optional<Mount> cgroup2() {
        return ofType("cgroup2").stream().findFirst();
    }

    /** Visible cgroup v1 hierarchies (fstype {@code cgroup}), e.g. {@code cpu}, {@code name=systemd}. */
    public List<Mount> cgroupV1() {
        return ofType("cgroup");
    }

    /** Visible v1 hierarchies that carry any of these controllers (they appear among the options). */
    public List<Mount> cgroupV1With(String... controllers) {
        return cgroupV1().stream().filter(m -> Arrays.stream(controllers).anyMatch(m::hasOption)).toList();
    }

    /** The kernel escapes space, tab, newline and backslash in these files as \ooo octal. */
    public static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && isOctal(s.charAt(i + 1)) && isOctal(s.charAt(i + 2)) && isOctal(s.charAt(i + 3))) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isOctal(char c) {
        return c >= '0' && c <= '7';
    }
}
