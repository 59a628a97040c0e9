package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session's lifecycle: signals to cordon reach the command, cordon outlives it to clean up,
 * and nothing the command started survives the session.
 */
class LifecycleIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void sigtermIsForwardedToTheCommandAndCordonStillCleansUp() throws IOException {
        Path dir = kernel.dir();
        String script = "trap 'echo forwarded > got-term; exit 7' TERM; "
                + "sleep 300 & echo $! > bg.pid; touch ready; wait";
        CordonProcess cordon = kernel.start("run", "--", "sh", "-c", script);
        awaitFile(cordon, dir.resolve("ready"));
        long background = Long.parseLong(Files.readString(dir.resolve("bg.pid")).strip());
        assertThat(HostState.alive(background)).isTrue();
        assertThat(kernel.cgroupsOf(cordon.pid())).as("the session's cgroup while it runs").hasSize(1);

        cordon.signal("TERM");
        CordonResult r = cordon.await(WAIT);

        assertThat(r.exitCode()).as("the command's trap decided the status\n%s", r).isEqualTo(7);
        assertThat(dir.resolve("got-term")).hasContent("forwarded");
        assertThat(kernel.cgroupsOf(cordon.pid())).as("cgroup removed before cordon exited").isEmpty();
        assertThat(Await.until(Duration.ofSeconds(5), () -> !HostState.alive(background)))
                .as("the command's background sleep (pid %d) was killed", background).isTrue();
    }

    @Test
    void aSecondSigtermKillsACommandThatIgnoresTheFirst() {
        Path dir = kernel.dir();
        // The trap only records the signal; the loop (bounded) keeps the command alive.
        String script = "trap 'touch got-term' TERM; touch ready; i=0; while [ $i -lt 300 ]; do sleep 1; i=$((i+1)); done";
        CordonProcess cordon = kernel.start("run", "--", "sh", "-c", script);
        awaitFile(cordon, dir.resolve("ready"));

        cordon.signal("TERM");
        awaitFile(cordon, dir.resolve("got-term"));
        assertThat(cordon.isAlive()).as("the command ignored the first SIGTERM, so cordon waits").isTrue();
        cordon.signal("TERM");
        CordonResult r = cordon.await(WAIT);

        assertThat(r.exitCode()).as("SIGKILLed by cgroup.kill: 128+9\n%s", r).isEqualTo(137);
        assertThat(r.stderr()).contains("second SIGTERM");
        assertThat(kernel.cgroupsOf(cordon.pid())).isEmpty();
    }

    @Test
    void aBackgroundProcessLeftByTheCommandIsKilledAtTheEnd() throws IOException {
        Path dir = kernel.dir();
        CordonResult r = kernel.run("run", "--", "sh", "-c", "sleep 300 & echo $! > bg.pid; exit 0");

        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stderr()).contains("killing 1 process(es)");
        long background = Long.parseLong(Files.readString(dir.resolve("bg.pid")).strip());
        assertThat(Await.until(Duration.ofSeconds(5), () -> !HostState.alive(background)))
                .as("the leftover sleep (pid %d) was killed", background).isTrue();
        assertThat(kernel.cgroupsOf(r.pid())).isEmpty();
    }

    @Test
    void aDaemonThatLeftTheProcessTreeIsStillKilled() throws IOException {
        Path dir = kernel.dir();
        // setsid + double fork: the daemon is re-parented away from the command, but stays in the cgroup.
        CordonResult r = kernel.run("run", "--", "sh", "-c",
                "setsid sh -c 'sleep 300 & echo $! > daemon.pid' </dev/null >/dev/null 2>&1; i=0; "
                        + "while [ ! -s daemon.pid ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; exit 0");

        assertThat(r.exitCode()).as("%s", r).isZero();
        long daemon = Long.parseLong(Files.readString(dir.resolve("daemon.pid")).strip());
        assertThat(Await.until(Duration.ofSeconds(5), () -> !HostState.alive(daemon)))
                .as("the daemonised sleep (pid %d) was killed", daemon).isTrue();
    }

    @Test
    void sigtermWhileTheSessionIsBeingSetUpLeavesNothingBehind() {
        // Signal cordon as soon as its cgroup exists: it is then loading/attaching programs or
        // starting the command. Whatever the moment, it must clean up; the extension checks that.
        Path marker = kernel.dir().resolve("ran");
        CordonProcess cordon = kernel.start("run", "--", "sh", "-c", "touch " + marker + "; sleep 300");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (kernel.cgroupsOf(cordon.pid()).isEmpty() && cordon.isAlive() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(500_000); // a tight poll: the window is short
        }
        assertThat(kernel.cgroupsOf(cordon.pid())).as("cordon's cgroup appeared\n%s", cordon).isNotEmpty();
        cordon.signal("TERM");
        CordonResult r = cordon.await(WAIT);

        assertThat(r.exitCode()).as("128+SIGTERM, whether or not the command had started\n%s", r).isEqualTo(128 + 15);
        assertThat(kernel.cgroupsOf(cordon.pid())).as("cgroup removed before cordon exited\n%s", r).isEmpty();
    }

    private static void awaitFile(CordonProcess cordon, Path file) {
        Await.require(WAIT, file.getFileName() + " from the command",
                () -> Files.exists(file) || !cordon.isAlive(), cordon::toString);
        assertThat(file).as("cordon ended first:\n%s", cordon).exists();
    }
}
