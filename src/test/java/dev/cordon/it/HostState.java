package dev.cordon.it;

import dev.cordon.sys.MountTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a cordon session may leave on the host: {@code cordon-*} cgroups under the cgroup2 mount,
 * {@code cgroup_sock_addr}, {@code sock_ops} and {@code sk_msg} programs, pin directories and session records. The tests compare against a snapshot taken before they ran.
 *
 * <p>Other worktrees may run their own cordon sessions on this host at the same time, so a new
 * cgroup or program counts as a leak of <em>this</em> suite when it belongs to a cordon process the
 * suite started ({@code cordon-<pid>-*} names cordon's pid), or when nothing holds it any more (a
 * program no process has an fd of stays only if pinned or attached without a link). A cgroup of a
 * live cordon process the suite did not start is someone else's session in flight and is ignored
 * (as is a program attached to such a cgroup); one whose owner is dead but not ours is reported on
 * stderr, not failed on.
 */
final class HostState {
    /** Where sessions pin their links and keep their records (session.PinDir, session.SessionRecords). */
    static final Path PIN_ROOT = Path.of("/sys/fs/bpf/cordon"), RECORD_DIR = Path.of("/run/cordon/sessions");
    static final Pattern CGROUP_NAME = Pattern.compile("cordon-(\\d+)-[0-9a-f]+");
    /** The program types a session attaches: sock_addr hooks, and the first-bytes check's sock_ops and sk_msg (held by a map). */
    private static final Pattern BPFTOOL_PROG = Pattern.compile("^(\\d+): (cgroup_sock_addr|sock_ops|sk_msg)\\s.*$");
    private static final Pattern FDINFO_PROG_ID = Pattern.compile("(?m)^prog_id:\\s+(\\d+)\\s*$");

    record Snapshot(Set<Path> cgroups, Map<Integer, String> programs) {}

    /** Leaks found: cgroups and programs, each with why it counts. Empty means clean. */
    record Leaks(Map<Path, String> cgroups, Map<Integer, String> programs, List<String> foreignNotes, Map<Path, String> sessionFiles) {
        boolean isEmpty() {
            return cgroups.isEmpty() && programs.isEmpty() && sessionFiles.isEmpty();
        }

        String describe() {
            StringBuilder sb = new StringBuilder();
            cgroups.forEach((p, why) -> sb.append("\n  cgroup ").append(p).append(" (").append(why).append(')'));
            sessionFiles.forEach((p, why) -> sb.append("\n  ").append(p).append(" (").append(why).append(')'));
            programs.forEach((id, why) -> sb.append("\n  program ").append(why));
            return sb.toString();
        }
    }

    private HostState() {}

    /** The cgroup2 mount point cordon uses (pure v2 or hybrid), or null. */
    static Path cgroup2Root() {
        try {
            return MountTable.read().cgroup2().map(MountTable.Mount::path).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Snapshot capture(Path cgroupRoot) {
        return new Snapshot(cordonCgroupsAnywhere(cgroupRoot), sockAddrPrograms());
    }

    /**
     * Every {@code cordon-*} cgroup in the cgroup2 tree and in the cgroup v1 hierarchies, where
     * sessions with limits make theirs (below cordon's own v1 cgroup, so a level or two deeper).
     */
    static Set<Path> cordonCgroupsAnywhere(Path cgroup2Root) {
        Set<Path> all = new HashSet<>(cordonCgroups(cgroup2Root));
        try {
            for (MountTable.Mount m : MountTable.read().cgroupV1()) all.addAll(cordonCgroups(m.path()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    /** Every {@code cordon-*} cgroup, at any depth up to 4 below the mount. */
    static Set<Path> cordonCgroups(Path root) {
        Set<Path> found = new HashSet<>();
        try (Stream<Path> s = Files.walk(root, 4)) {
            s.filter(p -> p.getFileName() != null && p.getFileName().toString().startsWith("cordon-") && Files.isDirectory(p))
                    .forEach(found::add);
        } catch (IOException | UncheckedIOException e) {
            // a cgroup vanished while walking: try once more
            try (Stream<Path> s = Files.walk(root, 4)) {
                s.filter(p -> p.getFileName() != null && p.getFileName().toString().startsWith("cordon-")).forEach(found::add);
            } catch (IOException | UncheckedIOException e2) {
                throw new AssertionError("cannot list cgroups under " + root + ": " + e2, e2);
            }
        }
        return found;
    }

    /** id → bpftool's first line, for every loaded cgroup_sock_addr, sock_ops and sk_msg program. */
    static Map<Integer, String> sockAddrPrograms() {
        String out = bpftool("prog", "show");
        Map<Integer, String> progs = new TreeMap<>();
        for (String line : out.lines().toList()) {
            Matcher m = BPFTOOL_PROG.matcher(line);
            if (m.matches()) progs.put(Integer.parseInt(m.group(1)), line.trim());
        }
        return progs;
    }

    static String bpftool(String... args) {
        List<String> argv = new ArrayList<>(List.of("bpftool"));
        argv.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            byte[] bytes;
            try (var in = p.getInputStream()) {
                bytes = in.readAllBytes();
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("bpftool " + String.join(" ", args) + " did not finish within 30 s");
            }
            String out = new String(bytes, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) throw new AssertionError("bpftool " + String.join(" ", args) + " failed (" + p.exitValue() + "): " + out);
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot run bpftool (install it: apt-get install bpftool): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** What the suite left behind compared with {@code baseline}, given the cordon pids it started. */
    static Leaks leaks(Path cgroupRoot, Snapshot baseline, Set<Long> ours) {
        Map<Path, String> cgroups = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        for (Path p : cordonCgroupsAnywhere(cgroupRoot)) {
            if (baseline.cgroups().contains(p)) continue;
            long owner = ownerPid(p);
            if (owner < 0) {
                notes.add("cgroup " + p + " does not look like cordon's (cordon-<pid>-<hex>); not ours");
                continue;
            }
            if (ours.contains(owner)) {
                cgroups.put(p, "created by cordon pid " + owner + " started by this test suite, "
                        + (alive(owner) ? "which is still running" : "which has exited"));
            } else if (!alive(owner)) {
                notes.add("cgroup " + p + " of cordon pid " + owner + " (not started by this suite) outlived its owner");
            }
        }
        Map<Integer, String> programs = new LinkedHashMap<>();
        Map<Integer, String> current = sockAddrPrograms();
        current.keySet().removeAll(baseline.programs().keySet());
        if (!current.isEmpty()) {
            Map<Integer, Set<Long>> holders = holders(current.keySet());
            Map<Integer, Path> attachedTo = holders.keySet().containsAll(current.keySet()) ? Map.of() : attachments(cgroupRoot);
            current.forEach((id, line) -> {
                Set<Long> h = holders.getOrDefault(id, Set.of());
                Set<Long> ourHolders = new HashSet<>(h);
                ourHolders.retainAll(ours);
                if (!ourHolders.isEmpty()) {
                    programs.put(id, line + " [held by cordon pid(s) " + ourHolders + " started by this suite]");
                } else if (h.isEmpty()) {
                    Path cg = attachedTo.get(id);
                    long owner = cg == null ? -1 : ownerPid(cg);
                    if (owner > 0 && !ours.contains(owner) && alive(owner)) {
                        notes.add("program " + id + " held by no process but attached to " + cg + " of a live cordon not started by this suite");
                    } else {
                        programs.put(id, line + " [held by no process: " + (cg == null ? "pinned, or attached outside the cgroup2 tree"
                                : "attached without a link to " + cg) + "]");
                    }
                }
            });
        }
        Map<Path, String> files = new LinkedHashMap<>();
        for (Path dir : List.of(PIN_ROOT, RECORD_DIR)) {
            if (!Files.isDirectory(dir)) continue;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    long owner = ownerPid(p);
                    if (owner > 0 && ours.contains(owner)) {
                        files.put(p, (dir == PIN_ROOT ? "pin directory" : "session record") + " of cordon pid " + owner
                                + " started by this test suite");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new Leaks(cgroups, programs, notes, files);
    }

    /**
     * Waits (bounded) until nothing is left behind: freeing a program after its last fd closes and
     * tearing down a cgroup are asynchronous in the kernel. Returns the last look.
     */
    static Leaks awaitClean(Path cgroupRoot, Snapshot baseline, Set<Long> ours, Duration timeout) {
        Leaks[] last = new Leaks[1];
        Await.until(timeout, () -> (last[0] = leaks(cgroupRoot, baseline, ours)).isEmpty());
        return last[0];
    }

    /** The pid in a {@code cordon-<pid>-<hex>} cgroup name, or -1. */
    static long ownerPid(Path cgroup) {
        Matcher m = CGROUP_NAME.matcher(cgroup.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** program id → the cgroup it is attached to, from {@code bpftool cgroup tree}. */
    static Map<Integer, Path> attachments(Path cgroupRoot) {
        Map<Integer, Path> result = new HashMap<>();
        Path current = null;
        for (String line : bpftool("cgroup", "tree", cgroupRoot.toString()).lines().toList()) {
            if (line.startsWith("/")) {
                current = Path.of(line.strip());
            } else if (current != null) {
                String[] f = line.strip().split("\\s+");
                if (f.length > 0 && f[0].matches("\\d+")) result.put(Integer.parseInt(f[0]), current);
            }
        }
        return result;
    }

    /** pid → set of program ids it holds an fd of (a program fd or a link fd). */
    static Map<Integer, Set<Long>> holders(Set<Integer> programIds) {
        Map<Integer, Set<Long>> result = new HashMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                long pid;
                try {
                    pid = Long.parseLong(proc.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        String target;
                        try {
                            target = Files.readSymbolicLink(fd).toString();
                        } catch (IOException e) {
                            continue;
                        }
                        if (!target.equals("anon_inode:bpf-prog") && !target.equals("anon_inode:bpf_link")) continue;
                        String info;
                        try {
                            info = Files.readString(proc.resolve("fdinfo").resolve(fd.getFileName().toString()));
                        } catch (IOException e) {
                            continue;
                        }
                        Matcher m = FDINFO_PROG_ID.matcher(info);
                        while (m.find()) {
                            int id = Integer.parseInt(m.group(1));
                            if (programIds.contains(id)) result.computeIfAbsent(id, k -> new HashSet<>()).add(pid);
                        }
                    }
                } catch (IOException e) {
                    // the process exited while we looked
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    static boolean alive(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            String s = Files.readString(stat);
            int close = s.lastIndexOf(')');
            return close > 0 && close + 2 < s.length() && s.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Removes leaked cgroups the way cordon should have: cgroup.kill, wait until empty, rmdir
     * (children first). @return what could not be removed
     */
    static List<String> forceRemove(Set<Path> cgroups) {
        List<String> failures = new ArrayList<>();
        for (Path cg : cgroups) {
            try {
                if (!Files.isDirectory(cg)) continue;
                // a v1 cgroup of a session's limits has no cgroup.kill: its processes died with the session's v2 cgroup
                if (Files.exists(cg.resolve("cgroup.kill"))) Files.writeString(cg.resolve("cgroup.kill"), "1");
                boolean empty = Await.until(Duration.ofSeconds(10), () -> !populated(cg));
                if (!empty) {
                    failures.add(cg + ": still populated 10 s after cgroup.kill");
                    continue;
                }
                List<Path> dirs;
                try (Stream<Path> s = Files.walk(cg)) {
                    dirs = s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
                }
                for (Path d : dirs) {
                    boolean removed = Await.until(Duration.ofSeconds(5), () -> {
                        try {
                            Files.deleteIfExists(d);
                            return true;
                        } catch (IOException e) {
                            return false;
                        }
                    });
                    if (!removed) failures.add(d + ": rmdir kept failing");
                }
            } catch (IOException | UncheckedIOException e) {
                failures.add(cg + ": " + e);
            }
        }
        return failures;
    }

    /** Removes leaked pin directories (unpinning their links) and session records. @return what could not be removed */
    static List<String> removeSessionFiles(Set<Path> files) {
        List<String> failures = new ArrayList<>();
        for (Path p : files) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path f : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            } catch (IOException | UncheckedIOException e) {
                failures.add(p + ": " + e);
            }
        }
        return failures;
    }

    static boolean populated(Path cgroup) {
        try {
            for (String line : Files.readAllLines(cgroup.resolve("cgroup.events"))) {
                if (line.startsWith("populated ")) return !line.trim().endsWith(" 0");
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
