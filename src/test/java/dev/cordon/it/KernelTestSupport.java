package dev.cordon.it;

import dev.cordon.kernel.KernelObjects;
import dev.cordon.libbpf.BpfObject;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * JUnit extension for kernel / end-to-end tests of {@code cordon run}. Register it in each IT class:
 * <pre>{@code @RegisterExtension static final KernelTestSupport kernel = new KernelTestSupport();}</pre>
 *
 * <ul>
 *   <li>Fails (never skips) every test with one clear message when this host cannot run them:
 *       not root, no cgroup2, no BTF, BPF programs do not load, no bpftool, launcher not built.</li>
 *   <li>Runs the real launcher ({@code $cordon.home/bin/cordon}) as a subprocess with a bounded
 *       timeout and captured output ({@link #run}, {@link #start}).</li>
 *   <li>Owns what a test opens: listeners on loopback addresses, cordon processes, a temp dir;
 *       all are closed or stopped after each test, pass or fail.</li>
 *   <li>After each test and after the whole suite, asserts nothing is left behind: no
 *       {@code cordon-*} cgroup, pin directory or session record, and no extra {@code cgroup_sock_addr}, {@code sock_ops} or {@code sk_msg} program compared with a
 *       snapshot taken before the first test (see {@link HostState}). Leftover cgroups are removed
 *       so one failure does not cascade, and the test fails.</li>
 * </ul>
 */
public final class KernelTestSupport implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback {
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);
    static final Duration CLEANUP_WAIT = Duration.ofSeconds(10);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KernelTestSupport.class);

    private Suite suite;
    private Path dir;
    private final List<AutoCloseable> listeners = new ArrayList<>();
    private final List<CordonProcess> processes = new ArrayList<>();

    // ---------------------------------------------------------------- suite-wide state

    /** Checked and captured once per test run; closing it (at the very end) checks the whole suite. */
    static final class Suite implements AutoCloseable {
        final Path cgroupRoot;
        final Path launcher;
        /** python3's real executable: PATH may hold a wrapper (pyenv) that execs it, changing argv[0]. */
        final String python;
        final HostState.Snapshot baseline;
        final Set<Long> launched = ConcurrentHashMap.newKeySet();

        Suite() {
            List<String> problems = new ArrayList<>();
            if (!isRoot()) problems.add("not running as root (kernel tests load BPF programs and create cgroups): run `sudo mvn verify` or bin/test as root");
            Path root = HostState.cgroup2Root();
            if (root == null) problems.add("no cgroup2 filesystem in /proc/self/mountinfo (mount one: mount -t cgroup2 none /sys/fs/cgroup/unified)");
            else if (!Files.isWritable(root)) problems.add("cgroup2 mount " + root + " is not writable");
            if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) problems.add("no kernel BTF at /sys/kernel/btf/vmlinux (cordon's programs use CO-RE)");
            String home = System.getProperty("cordon.home");
            Path launcherPath = null;
            if (home == null || home.isBlank()) {
                problems.add("system property cordon.home is not set (failsafe sets it to the project directory)");
            } else {
                launcherPath = Path.of(home, "bin", "cordon");
                if (!Files.isExecutable(launcherPath)) problems.add(launcherPath + " is missing or not executable");
                if (!Files.isRegularFile(Path.of(home, "target", "cordon.jar"))) {
                    problems.add(Path.of(home, "target", "cordon.jar") + " is missing: the ITs run after `package` (use mvn verify)");
                }
            }
            for (String tool : List.of("bpftool", "curl", "python3", "sh")) {
                if (!onPath(tool)) problems.add(tool + " is not on PATH (bin/setup --deps installs it)");
            }
            if (problems.isEmpty() || isRoot()) {
                String bpf = bpfProblem();
                if (bpf != null) problems.add(bpf);
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException("the kernel tests cannot run on this host:\n  - " + String.join("\n  - ", problems));
            }
            this.cgroupRoot = root;
            this.launcher = launcherPath;
            this.python = pythonExecutable();
            this.baseline = HostState.capture(root);
        }

        private static String pythonExecutable() {
            try {
                Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)").redirectErrorStream(true).start();
                String out;
                try (InputStream in = p.getInputStream()) {
                    out = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
                }
                if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.isExecutable(Path.of(out))) {
                    throw new IllegalStateException("cannot find python3's executable: " + out);
                }
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Loads (does not attach) cordon's own object: the most direct "is BPF usable here". */
        private static String bpfProblem() {
            try (BpfObject o = BpfObject.open(KernelObjects.session(), "cordon_it_probe")) {
                o.load();
            } catch (Throwable t) {
                return "BPF is not usable: loading cordon's programs failed: " + t;
            }
            try {
                HostState.bpftool("prog", "show");
            } catch (AssertionError e) {
                return e.getMessage();
            }
            return null;
        }

        private static boolean isRoot() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0"); // effective uid
                }
            } catch (IOException ignored) {
                // not Linux
            }
            return false;
        }

        private static boolean onPath(String tool) {
            String path = System.getenv("PATH");
            if (path == null) return false;
            return Arrays.stream(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d.isEmpty() ? "." : d, tool)));
        }

        /** Runs after the last test of the whole run: nothing of the suite may be left. */
        @Override
        public void close() {
            HostState.Leaks leaks = HostState.awaitClean(cgroupRoot, baseline, launched, CLEANUP_WAIT);
            leaks.foreignNotes().forEach(n -> System.err.println("[kernel-its] note: " + n));
            if (!leaks.isEmpty()) {
                List<String> notRemoved = new ArrayList<>(HostState.forceRemove(leaks.cgroups().keySet()));
                notRemoved.addAll(HostState.removeSessionFiles(leaks.sessionFiles().keySet()));
                throw new AssertionError("the kernel test suite left things behind:" + leaks.describe()
                        + (notRemoved.isEmpty() ? "" : "\n  could not remove: " + notRemoved));
            }
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        suite = context.getRoot().getStore(NS).computeIfAbsent(Suite.class, k -> new Suite(), Suite.class);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("cordon-it-");
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> problems = new ArrayList<>();
        boolean testFailed = context.getExecutionException().isPresent();
        for (CordonProcess p : processes) {
            if (p.isAlive()) {
                String how = p.stop(Duration.ofSeconds(10));
                if (!testFailed) problems.add("the test left cordon pid " + p.pid() + " running; " + how);
                if (how.startsWith("needed SIGKILL")) problems.add("cordon pid " + p.pid() + " " + how + "\n" + p);
            }
        }
        processes.clear();
        for (AutoCloseable l : listeners) {
            try {
                l.close();
            } catch (Exception e) {
                problems.add("closing " + l + ": " + e);
            }
        }
        listeners.clear();
        HostState.Leaks leaks = HostState.awaitClean(suite.cgroupRoot, suite.baseline, suite.launched, CLEANUP_WAIT);
        leaks.foreignNotes().forEach(n -> System.err.println("[kernel-its] note: " + n));
        if (!leaks.isEmpty()) {
            List<String> notRemoved = new ArrayList<>(HostState.forceRemove(leaks.cgroups().keySet()));
            notRemoved.addAll(HostState.removeSessionFiles(leaks.sessionFiles().keySet()));
            problems.add("left behind after " + context.getDisplayName() + ":" + leaks.describe()
                    + (notRemoved.isEmpty() ? "" : "\n  could not remove: " + notRemoved));
        }
        deleteRecursively(dir);
        if (!problems.isEmpty()) throw new AssertionError(String.join("\n", problems));
    }

    private static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("[kernel-its] cannot delete " + root + ": " + e);
        }
    }

    // ---------------------------------------------------------------- what tests use

    /** A fresh directory for this test, deleted afterwards. */
    Path dir() {
        return dir;
    }

    Path cgroupRoot() {
        return suite.cgroupRoot;
    }

    /** {@code cordon-<pid>-*} cgroups that exist right now for this cordon process. */
    Set<Path> cgroupsOf(long cordonPid) {
        Set<Path> mine = new HashSet<>();
        for (Path p : HostState.cordonCgroups(suite.cgroupRoot)) {
            if (p.getFileName().toString().startsWith("cordon-" + cordonPid + "-")) mine.add(p);
        }
        return mine;
    }

    /** Closed after the test, pass or fail (a test host, a server). */
    <T extends AutoCloseable> T closeAfter(T resource) {
        listeners.add(resource);
        return resource;
    }

    /** A TCP listener on {@code address} (a loopback address), closed after the test. */
    TcpListener tcp(String address) {
        TcpListener l = new TcpListener(address);
        listeners.add(l);
        return l;
    }

    /** A UDP socket on {@code address} (a loopback address), closed after the test. */
    UdpListener udp(String address) {
        UdpListener l = new UdpListener(address);
        listeners.add(l);
        return l;
    }

    /** {@code <python3> <dir>/netclient.py ARGS...}: the argv of the test's network client, exactly as it will be exec'd. */
    List<String> netclient(String... args) {
        Path script = dir.resolve("netclient.py");
        if (!Files.exists(script)) {
            try (InputStream in = KernelTestSupport.class.getResourceAsStream("netclient.py")) {
                if (in == null) throw new IllegalStateException("netclient.py is missing from the test classpath");
                Files.copy(in, script);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        List<String> argv = new ArrayList<>(List.of(suite.python, script.toString()));
        argv.addAll(List.of(args));
        return argv;
    }

    /** Starts {@code bin/cordon ARGS...} in this test's directory; stopped after the test if still running. */
    CordonProcess start(List<String> args) {
        return start(java.util.Map.of(), args);
    }

    /** {@link #start(List)} with extra environment variables for the launcher. */
    CordonProcess start(java.util.Map<String, String> env, List<String> args) {
        CordonProcess p = CordonProcess.start(suite.launcher, dir, env, args);
        suite.launched.add(p.pid());
        processes.add(p);
        return p;
    }

    /** {@link #start(List)} in a host layout other than this machine's, made for this process and undone after the test. */
    CordonProcess start(HostLayout.Kind layout, List<String> args) {
        return start(new HostLayout(layout, dir), args);
    }

    /** {@link #start(List)} in {@code layout}, which is closed after the test. */
    CordonProcess start(Layout layout, List<String> args) {
        listeners.add(layout);
        CordonProcess p = CordonProcess.start(suite.launcher, dir, java.util.Map.of(), args, layout::wrap);
        suite.launched.add(p.pid());
        processes.add(p);
        return p;
    }

    CordonResult run(HostLayout.Kind layout, List<String> args) {
        return start(layout, args).await(RUN_TIMEOUT);
    }

    CordonResult run(Layout layout, List<String> args) {
        return start(layout, args).await(RUN_TIMEOUT);
    }

    CordonProcess start(String... args) {
        return start(List.of(args));
    }

    /** Runs {@code bin/cordon ARGS...} to the end (bounded by {@link #RUN_TIMEOUT}). */
    CordonResult run(List<String> args) {
        return start(args).await(RUN_TIMEOUT);
    }

    CordonResult run(String... args) {
        return run(List.of(args));
    }

    /** Concatenates argument lists, for {@code run(args(opts, "--", netclient(...)))}. */
    @SafeVarargs
    static List<String> args(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) all.addAll(p);
        return all;
    }
}
