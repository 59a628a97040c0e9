package dev.cordon.doctor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The lines of /proc/self/mounts, parsed: {@code source target fstype options dump pass}. */
public record MountTable(List<Mount> mounts) {
    public record Mount(String source, String target, String type, List<String> options) {
        public boolean hasOption(String option) {
            return options.contains(option);
        }

        public boolean readOnly() {
            return hasOption("ro");
        }
    }

    public MountTable {
        mounts = List.copyOf(mounts);
    }

    /** Lines that do not have at least four fields are ignored. */
    public static MountTable parse(List<String> lines) {
        List<Mount> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.strip().split(" ");
            if (f.length < 4) continue;
            out.add(new Mount(unescape(f[0]), unescape(f[1]), f[2], List.of(f[3].split(","))));
        }
        return new MountTable(out);
    }

    public List<Mount> ofType(String type) {
        return mounts.stream().filter(m -> m.type().equals(type)).toList();
    }

    /** The cgroup2 mount cordon uses: the first one, as {@code Cgroup2.findMount} picks it. */
    public Optional<Mount> cgroup2() {
        return ofType("cgroup2").stream().findFirst();
    }

    /** cgroup v1 hierarchies (fstype {@code cgroup}), e.g. {@code cpu}, {@code name=systemd}. */
    public List<Mount> cgroupV1() {
        return ofType("cgroup");
    }

    /** v1 hierarchies that carry any of these controllers (they appear among the mount options). */
    public List<Mount> cgroupV1With(String... controllers) {
        return cgroupV1().stream().filter(m -> Arrays.stream(controllers).anyMatch(m::hasOption)).toList();
    }

    /** /proc/mounts escapes space, tab, newline and backslash as \ooo octal. */
    static String unescape(String s) {
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
