package dev.cordon.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Runs {@code bin/cordon run OPTIONS -- guard.sh STATE RESOLV COMMAND...} as a subprocess, exactly as a
 * user would. guard.sh runs first inside the session: it records the session cgroup and the programs
 * attached to it (so the test can prove afterwards that all of them are gone), then runs COMMAND in a
 * private mount namespace whose /etc/resolv.conf names a test address. So even a broken redirect could
 * never reach the machine's real resolver.
 *
 * <p>After every run: the session cgroup is gone, no cordon-PID-* cgroup is left, every program the
 * session attached (and its exec tracepoint program) is unloaded, and none hangs on the cgroup root.
 */
final class GuardedRun {
    /** Attached to the cgroup of a session: more with --simulate-outage, and sock_ops unless there is no DNS proxy or check. */
    static int sessionPrograms(List<String> options) {
        return dev.cordon.kernel.EgressGuard.cgroupPrograms(options.contains("--simulate-outage")
                ? dev.cordon.policy.OutageStyle.TIMEOUT : null,
                !options.contains("--no-dns-proxy") && !options.contains("--no-first-bytes")).size();
    }
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Path dir;
    private final List<String> options = new ArrayList<>();
    private String resolvConf = "nameserver 127.0.0.53\n";
    private Duration timeout = Duration.ofSeconds(60);
    private final Map<String, String> env = new LinkedHashMap<>();

    /**
     * guard.sh inspects the guard from inside (bpftool needs CAP_SYS_ADMIN) and bind-mounts a test
     * resolv.conf, so these runs keep CAP_SYS_ADMIN; ContainmentIT covers the default capabilities.
     */
    private GuardedRun(Path dir) {
        this.dir = dir;
        options.addAll(List.of("--keep-cap", "sys_admin"));
    }

    /** A cordon run forwarding to {@code dns}; more options with {@link #opt}. */
    static GuardedRun cordon(Path dir, Dnsmasq dns) {
        return new GuardedRun(dir).opt("--upstream", dns.upstream());
    }

    /** A cordon run forwarding to an upstream given as IP:PORT (on loopback). */
    static GuardedRun cordon(Path dir, String upstream) {
        return new GuardedRun(dir).opt("--upstream", upstream);
    }

    GuardedRun opt(String... o) {
        options.addAll(Arrays.asList(o));
        return this;
    }

    /** The /etc/resolv.conf the command sees (default: nameserver 127.0.0.53, a loopback address nothing serves). */
    GuardedRun resolvConf(String content) {
        this.resolvConf = content;
        return this;
    }

    /** An environment variable for cordon (and so for the command too). */
    GuardedRun env(String name, String value) {
        env.put(name, value);
        return this;
    }

    GuardedRun timeout(Duration t) {
        this.timeout = t;
        return this;
    }

    /** Runs a shell script inside the guard. */
    Result sh(String script) {
        return run("/bin/sh", "-c", script);
    }

    Result run(String... command) {
        try {
            return doRun(command);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Result doRun(String... command) throws IOException {
        Path state = Files.createDirectories(dir.resolve("run-" + RUNS.incrementAndGet()));
        Path resolv = state.resolve("resolv.conf");
        Files.writeString(resolv, resolvConf);
        Path guard = state.resolve("guard.sh");
        Files.writeString(guard, """
                #!/bin/sh
                # inside the session: record what guards us, then run the command with a test resolv.conf
                state=$1; resolv=$2; shift 2
                cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
                printf '%%s\\n' "$cg" > "$state/cgroup"
                bpftool cgroup show "%s$cg" > "$state/cgroup-progs.txt" 2>&1
                bpftool prog show > "$state/progs.txt" 2>&1
                exec unshare --mount --propagation private /bin/sh -c 'mount --bind "$0" /etc/resolv.conf || exit 125; exec "$@"' "$resolv" "$@"
                """.formatted(Host.cgroup2()));
        guard.toFile().setExecutable(true);

        List<String> argv = new ArrayList<>();
        argv.add(Host.cordonHome().resolve("bin/cordon").toString());
        argv.add("run");
        argv.addAll(options);
        argv.add("--");
        argv.add(guard.toString());
        argv.add(state.toString());
        argv.add(resolv.toString());
        argv.addAll(Arrays.asList(command));

        Path out = state.resolve("stdout");
        Path err = state.resolve("stderr");
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("PATH", Host.PATH);
        pb.environment().put("JAVA_HOME", Host.JDK.toString());
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        if (!finished) {
            Host.kill(p);
            killSession(state);
            throw new AssertionError("cordon did not finish within " + timeout + "; stdout:\n" + read(out) + "\nstderr:\n" + read(err));
        }
        Result r = new Result(p.exitValue(), read(out), read(err), elapsed, p.pid(), state);
        assertNoLeftovers(r, sessionPrograms(options));
        return r;
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** After a hung run: kill what is left in the session and remove its cgroup. */
    private static void killSession(Path state) {
        String cg = read(state.resolve("cgroup")).strip();
        if (cg.isEmpty() || cg.equals("/")) return; // hidden by the cgroup namespace: the suite's leftover check removes it
        Path path = Path.of(Host.cgroup2() + cg);
        try {
            if (Files.exists(path)) Files.writeString(path.resolve("cgroup.kill"), "1");
            Host.await(Duration.ofSeconds(5), () -> read(path.resolve("cgroup.events")).contains("populated 0") || !Files.exists(path));
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // reported by the leftover check
        }
    }

    // ---- leftovers ----

    private static final Pattern PROG_HEAD = Pattern.compile("^(\\d+): \\S+\\s+name (\\S+)");
    private static final Pattern MAP_IDS = Pattern.compile("map_ids ([\\d,]+)");

    /** id -> name and map ids, from plain `bpftool prog show`. */
    record Prog(int id, String name, Set<Integer> maps) {}

    static Map<Integer, Prog> programs(String bpftoolProgShow) {
        Map<Integer, Prog> out = new LinkedHashMap<>();
        Integer id = null;
        String name = null;
        for (String line : bpftoolProgShow.split("\n")) {
            Matcher h = PROG_HEAD.matcher(line);
            if (h.find()) {
                id = Integer.parseInt(h.group(1));
                name = h.group(2);
                out.put(id, new Prog(id, name, Set.of()));
                continue;
            }
            Matcher m = MAP_IDS.matcher(line);
            if (m.find() && id != null) {
                Set<Integer> maps = Arrays.stream(m.group(1).split(",")).map(Integer::parseInt).collect(Collectors.toSet());
                out.put(id, new Prog(id, name, maps));
            }
        }
        return out;
    }

    static Set<Integer> liveProgramIds() {
        return programs(Host.run("bpftool", "prog", "show").out()).keySet();
    }

    private static void assertNoLeftovers(Result r, int sessionPrograms) {
        Path root = Host.cgroup2();
        List<String> problems = new ArrayList<>();
        String cg = read(r.state().resolve("cgroup")).strip();
        if (!cg.isEmpty() && !cg.equals("/")) { // "/": the command's cgroup namespace hid the path; the cordon-PID- check below covers it
            Path session = Path.of(root + cg);
            if (!Host.await(Duration.ofSeconds(3), () -> !Files.exists(session))) problems.add("session cgroup " + session + " is left");
        }
        try (var entries = Files.list(root)) {
            String prefix = "cordon-" + r.cordonPid() + "-";
            entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix))
                    .forEach(n -> problems.add("cgroup " + n + " is left"));
        } catch (IOException e) {
            problems.add("cannot list " + root + ": " + e);
        }

        if (!cg.isEmpty() && r.attachedProgramNames().size() != sessionPrograms) {
            problems.add("the command ran with " + r.attachedProgramNames() + " attached, not all " + sessionPrograms + " programs");
        }
        Set<Integer> mine = r.sessionProgramIds();
        int expected = sessionPrograms + dev.cordon.kernel.EgressGuard.TRACE_PROGRAMS.size() + (r.checkedFirstBytes() ? 1 : 0);
        if (!cg.isEmpty() && mine.size() != expected) {
            problems.add("could not identify the session's programs (" + sessionPrograms + " on the cgroup + "
                    + dev.cordon.kernel.EgressGuard.TRACE_PROGRAMS + "): " + mine);
        }
        if (!mine.isEmpty()) {
            if (!Host.await(Duration.ofSeconds(5), () -> liveProgramIds().stream().noneMatch(mine::contains))) {
                Set<Integer> left = new HashSet<>(liveProgramIds());
                left.retainAll(mine);
                problems.add("BPF programs of the session still loaded: " + left);
            }
        }
        String onRoot = Host.run("bpftool", "cgroup", "show", root.toString()).out();
        if (onRoot.contains("cordon_")) problems.add("cordon programs attached to the cgroup root:\n" + onRoot);
        if (!problems.isEmpty()) {
            throw new AssertionError("leftovers after cordon run (exit " + r.exit() + "):\n  " + String.join("\n  ", problems)
                    + "\nstderr:\n" + r.err());
        }
    }

    // ---- result ----

    record Result(int exit, String out, String err, Duration elapsed, long cordonPid, Path state) {
        List<ViolationLine> lines() {
            return ViolationLine.parseAll(err);
        }

        List<ViolationLine> lines(String kind, String verdict) {
            return lines().stream().filter(l -> l.kind().equals(kind) && l.verdict().equals(verdict)).toList();
        }

        List<ViolationLine> dns(String verdict, String domain) {
            return lines("DNS", verdict).stream().filter(l -> domain.equals(l.get("domain"))).toList();
        }

        List<ViolationLine> where(Predicate<ViolationLine> p) {
            return lines().stream().filter(p).toList();
        }

        /** Programs attached to the session's cgroup, as guard.sh saw them from inside. */
        List<String> attachedProgramNames() {
            List<String> names = new ArrayList<>();
            for (String line : read(state.resolve("cgroup-progs.txt")).split("\n")) {
                String[] f = line.strip().split("\\s+");
                if (f.length >= 3 && f[0].matches("\\d+")) names.add(f[f.length - 1]);
            }
            return names;
        }

        /** Whether the session attached the first-bytes check (its sock_ops program is on the cgroup). */
        boolean checkedFirstBytes() {
            return attachedProgramNames().containsAll(dev.cordon.kernel.EgressGuard.FIRST_BYTES_CGROUP_PROGRAMS);
        }

        /** The ids of the session's cgroup programs plus the tracepoint and sk_msg programs sharing their maps. */
        Set<Integer> sessionProgramIds() {
            Set<Integer> ids = new HashSet<>();
            for (String line : read(state.resolve("cgroup-progs.txt")).split("\n")) {
                String[] f = line.strip().split("\\s+");
                if (f.length >= 3 && f[0].matches("\\d+")) ids.add(Integer.parseInt(f[0]));
            }
            Map<Integer, Prog> all = programs(read(state.resolve("progs.txt")));
            Set<Integer> maps = new HashSet<>();
            for (int id : ids) if (all.containsKey(id)) maps.addAll(all.get(id).maps());
            for (Prog p : all.values()) {
                boolean sessions = dev.cordon.kernel.EgressGuard.TRACE_PROGRAMS.contains(p.name())
                        || dev.cordon.kernel.EgressGuard.FIRST_BYTES_MAP_PROGRAM.equals(p.name());
                if (sessions && p.maps().stream().anyMatch(maps::contains)) {
                    ids.add(p.id());
                }
            }
            return ids;
        }

        /** Lines of stdout between "== NAME" and the next "== " marker. */
        String section(String name) {
            StringBuilder sb = new StringBuilder();
            boolean in = false;
            for (String line : out.split("\n")) {
                if (line.startsWith("== ")) {
                    in = line.equals("== " + name);
                    continue;
                }
                if (in) sb.append(line).append('\n');
            }
            return sb.toString();
        }

        @Override
        public String toString() {
            return "cordon exit " + exit + " after " + elapsed.toMillis() + " ms\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }
}
