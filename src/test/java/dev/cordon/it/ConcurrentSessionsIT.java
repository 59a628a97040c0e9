package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two cordon sessions at the same time, each with its own rules (and maps): the clients start,
 * report ready, and only connect once both sessions are up, so the sessions overlap for real.
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
