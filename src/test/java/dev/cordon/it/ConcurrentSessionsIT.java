package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two (and twenty) cordon sessions at the same time, each with its own rules (and maps): the clients
 * start, report ready, and only connect once every session is up, so the sessions overlap for real.
 */
class ConcurrentSessionsIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final Duration READY_WAIT = Duration.ofSeconds(30);

    @Test
    void twoSessionsWithDifferentRulesDoNotSeeEachOthersRules() throws Exception {
        TcpListener two = kernel.tcp("127.0.0.2");
        TcpListener three = kernel.tcp("127.0.0.3");
        Path go = kernel.dir().resolve("go");
        Path readyA = kernel.dir().resolve("ready-a"), readyB = kernel.dir().resolve("ready-b");

        CordonProcess a = kernel.start(args(List.of("run", "--deny-cidr", "127.0.0.2", "--"),
                kernel.netclient("--ready", readyA.toString(), "--go", go.toString(), two.spec(), three.spec())));
        CordonProcess b = kernel.start(args(List.of("run", "--deny-cidr", "127.0.0.3", "--"),
                kernel.netclient("--ready", readyB.toString(), "--go", go.toString(), two.spec(), three.spec())));
        awaitBothReady(a, readyA, b, readyB);
        Files.createFile(go);
        CordonResult ra = a.await(KernelTestSupport.RUN_TIMEOUT);
        CordonResult rb = b.await(KernelTestSupport.RUN_TIMEOUT);

        assertThat(ra.clientCgroupId()).isPresent();
        assertThat(rb.clientCgroupId()).isPresent().isNotEqualTo(ra.clientCgroupId());
        assertThat(ra.attempt(two.spec()).errno()).as("A denies 127.0.0.2\n%s", ra).isEqualTo(1);
        assertThat(ra.attempt(three.spec()).ok()).as("A allows 127.0.0.3\n%s", ra).isTrue();
        assertThat(rb.attempt(two.spec()).ok()).as("B allows 127.0.0.2\n%s", rb).isTrue();
        assertThat(rb.attempt(three.spec()).errno()).as("B denies 127.0.0.3\n%s", rb).isEqualTo(1);
        assertThat(two.acceptedBeforeSentinel()).as("only B reached 127.0.0.2").isEqualTo(1);
        assertThat(three.acceptedBeforeSentinel()).as("only A reached 127.0.0.3").isEqualTo(1);

        assertThat(ra.attemptLines()).as("A reports only its own attempt\n%s", ra).singleElement().satisfies(l -> {
            assertThat(l.get("ip")).isEqualTo("127.0.0.2");
            assertThat(l.get("pid")).isEqualTo(Long.toString(ra.clientPid()));
        });
        assertThat(rb.attemptLines()).as("B reports only its own attempt\n%s", rb).singleElement().satisfies(l -> {
            assertThat(l.get("ip")).isEqualTo("127.0.0.3");
            assertThat(l.get("pid")).isEqualTo(Long.toString(rb.clientPid()));
        });
    }

    @Test
    void twoSessionsWithTheSameRuleInDifferentModesKeepTheirOwnMode() throws Exception {
        TcpListener two = kernel.tcp("127.0.0.2");
        Path go = kernel.dir().resolve("go");
        Path readyA = kernel.dir().resolve("ready-a"), readyB = kernel.dir().resolve("ready-b");

        CordonProcess audit = kernel.start(args(List.of("run", "--mode", "audit", "--deny-cidr", "127.0.0.2", "--"),
                kernel.netclient("--ready", readyA.toString(), "--go", go.toString(), two.spec())));
        CordonProcess enforce = kernel.start(args(List.of("run", "--mode", "enforce", "--deny-cidr", "127.0.0.2", "--"),
                kernel.netclient("--ready", readyB.toString(), "--go", go.toString(), two.spec())));
        awaitBothReady(audit, readyA, enforce, readyB);
        Files.createFile(go);
        CordonResult ra = audit.await(KernelTestSupport.RUN_TIMEOUT);
        CordonResult re = enforce.await(KernelTestSupport.RUN_TIMEOUT);

        assertThat(ra.attempt(two.spec()).ok()).as("%s", ra).isTrue();
        assertThat(re.attempt(two.spec()).errno()).as("%s", re).isEqualTo(1);
        assertThat(two.acceptedBeforeSentinel()).isEqualTo(1);
        assertThat(ra.attemptLines()).singleElement().satisfies(l -> {
            assertThat(l.raw()).startsWith("WARN CONNECT AUDIT ");
            assertThat(l.get("pid")).isEqualTo(Long.toString(ra.clientPid()));
        });
        assertThat(re.attemptLines()).singleElement().satisfies(l -> {
            assertThat(l.raw()).startsWith("WARN CONNECT BLOCKED ");
            assertThat(l.get("pid")).isEqualTo(Long.toString(re.clientPid()));
        });
    }

    private static final int MANY = 20;
    /** Twenty JVMs start on a 2-CPU host: the first client may wait for the last session well past 30 s. */
    private static final Duration MANY_READY_WAIT = Duration.ofSeconds(150);

    /**
     * Twenty sessions at once, session i denying only the i-th of twenty loopback listeners: every
     * client tries all twenty after a shared "go", so each session's verdicts and report can only be
     * its own if no rule, map or event leaks between sessions.
     */
    @Test
    void twentySessionsAtOnceEachKeepItsOwnRulesAndReport() throws Exception {
        List<TcpListener> listeners = new ArrayList<>();
        for (int i = 0; i < MANY; i++) listeners.add(kernel.tcp("127.0.8." + (i + 1)));
        List<String> specs = listeners.stream().map(TcpListener::spec).toList();
        Path go = kernel.dir().resolve("go");
        List<Path> ready = new ArrayList<>();
        List<CordonProcess> sessions = new ArrayList<>();
        for (int i = 0; i < MANY; i++) {
            Path r = kernel.dir().resolve("ready-" + i);
            ready.add(r);
            List<String> client = new ArrayList<>(List.of("--ready", r.toString(), "--go", go.toString(),
                    "--go-timeout", Long.toString(MANY_READY_WAIT.toSeconds() + 30)));
            client.addAll(specs);
            sessions.add(kernel.start(args(List.of("run", "--deny-cidr", listeners.get(i).host(), "--"),
                    kernel.netclient(client.toArray(String[]::new)))));
        }
        Await.require(MANY_READY_WAIT, "all " + MANY + " sessions' clients to be ready",
                () -> ready.stream().allMatch(Files::exists) || sessions.stream().anyMatch(s -> !s.isAlive()),
                () -> describe(sessions, ready));
        Set<Path> cgroups = new HashSet<>();
        for (CordonProcess s : sessions) {
            assertThat(s.isAlive()).as("a session ended before all overlapped\n%s", s).isTrue();
            assertThat(kernel.cgroupsOf(s.pid())).as("its own cgroup while all run\n%s", s).hasSize(1);
            cgroups.addAll(kernel.cgroupsOf(s.pid()));
        }
        assertThat(cgroups).as("twenty distinct cgroups at once").hasSize(MANY);
        Files.createFile(go);

        List<CordonResult> results = new ArrayList<>();
        for (CordonProcess s : sessions) results.add(s.await(Duration.ofSeconds(90)));
        for (int i = 0; i < MANY; i++) {
            CordonResult r = results.get(i);
            String denied = listeners.get(i).host();
            for (int j = 0; j < MANY; j++) {
                CordonResult.ClientAttempt a = r.attempt(specs.get(j));
                if (j == i) assertThat(a.errno()).as("session %d denies %s\n%s", i, denied, r).isEqualTo(1);
                else assertThat(a.ok()).as("session %d allows %s\n%s", i, specs.get(j), r).isTrue();
            }
            long pid = r.clientPid();
            assertThat(r.attemptLines()).as("session %d reports only its own one violation\n%s", i, r).singleElement()
                    .satisfies(l -> {
                        assertThat(l.raw()).startsWith("WARN CONNECT BLOCKED ");
                        assertThat(l.get("ip")).isEqualTo(denied);
                        assertThat(l.get("pid")).isEqualTo(Long.toString(pid));
                    });
        }
        for (int j = 0; j < MANY; j++) {
            assertThat(listeners.get(j).acceptedBeforeSentinel()).as("every session but one reached %s", specs.get(j))
                    .isEqualTo(MANY - 1);
        }
        // KernelTestSupport checks after the test that no cgroup, program or link of the twenty is left.
    }

    private static String describe(List<CordonProcess> sessions, List<Path> ready) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < sessions.size(); i++) {
            b.append("session ").append(i).append(Files.exists(ready.get(i)) ? " ready" : " not ready")
                    .append(sessions.get(i).isAlive() ? "" : " (ended)\n" + sessions.get(i)).append('\n');
        }
        return b.toString();
    }

    /** Both clients are up (so both sessions are set up and attached), and both sessions still run. */
    private void awaitBothReady(CordonProcess a, Path readyA, CordonProcess b, Path readyB) {
        Await.require(READY_WAIT, "both sessions' clients to be ready",
                () -> (Files.exists(readyA) && Files.exists(readyB)) || !a.isAlive() || !b.isAlive(),
                () -> "A: " + a + "\nB: " + b);
        assertThat(a.isAlive()).as("session A ended before the clients overlapped\n%s", a).isTrue();
        assertThat(b.isAlive()).as("session B ended before the clients overlapped\n%s", b).isTrue();
        assertThat(kernel.cgroupsOf(a.pid())).as("A's cgroup exists while both run").hasSize(1);
        assertThat(kernel.cgroupsOf(b.pid())).as("B's cgroup exists while both run").hasSize(1);
    }
}
