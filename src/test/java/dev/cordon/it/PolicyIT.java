package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How rules combine in the kernel: --default deny with --allow-cidr, the most specific prefix
 * deciding, deny winning a tie, loopback allowed unless a rule names it.
 *
 * <p>Every test address is local. Loopback (127.0.0.0/8, ::1) is allowed implicitly unless a rule
 * at least as specific names it, so to see the <em>default</em> action on a local destination
 * these tests connect to 0.0.0.0 and :: , which Linux routes to 127.0.0.1 and ::1 (over lo) but
 * which no loopback rule covers.
 */
class PolicyIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    static final Duration FAST = Duration.ofSeconds(1);

    @Test
    void defaultDenyAllowsOnlyWhatIsAllowed() {
        TcpListener allowed = kernel.tcp("127.0.0.3");
        TcpListener v4 = kernel.tcp("127.0.0.1"); // reached through 0.0.0.0
        TcpListener v6 = kernel.tcp("::1");       // reached through ::
        String anyV4 = "tcp:0.0.0.0:" + v4.port();
        String anyV6 = "tcp:::" + ":" + v6.port();

        CordonResult r = kernel.run(args(List.of("run", "--default", "deny", "--allow-cidr", "127.0.0.3/32", "--"),
                kernel.netclient(allowed.spec(), anyV4, anyV6)));

        assertThat(r.attempt(allowed.spec()).ok()).as("%s", r).isTrue();
        assertThat(allowed.awaitAccepted(1, Duration.ofSeconds(5))).isTrue();
        for (String spec : List.of(anyV4, anyV6)) {
            CordonResult.ClientAttempt a = r.attempt(spec);
            assertThat(a.errno()).as("%s\n%s", spec, r).isEqualTo(1);
            assertThat(a.elapsed()).isLessThan(FAST);
        }
        assertThat(v4.acceptedBeforeSentinel()).isZero();
        assertThat(v6.acceptedBeforeSentinel()).isZero();
        assertThat(r.exitCode()).isEqualTo(1);

        List<LogLine> lines = r.attemptLines();
        assertThat(lines).as("%s", r).hasSize(2);
        assertThat(lines).allSatisfy(l -> {
            assertThat(l.words()).containsExactly("WARN", "CONNECT", "BLOCKED");
            assertThat(l.get("rule")).isEqualTo("default:deny");
        });
        assertThat(lines).extracting(l -> l.get("ip")).containsExactly("0.0.0.0", "::");
    }

    /**
     * More arguments than the launcher passes on its command line (bin/lib.sh's CORDON_ARGS_VIA_PIPE):
     * they go through a pipe (cli.LauncherArgs) and arrive exactly, the rules and the command's own.
     */
    @Test
    void manyRuleOptionsArriveThroughTheLaunchersPipe() {
        TcpListener denied = kernel.tcp("127.0.0.5");
        List<String> opts = new java.util.ArrayList<>(List.of("run", "--no-summary"));
        for (int i = 0; i < 1500; i++) opts.add("--deny-cidr=10.7." + (i >> 8) + "." + (i & 255) + "/32");
        opts.addAll(List.of("--deny-cidr", "127.0.0.5/32", "--"));
        List<String> client = kernel.netclient(denied.spec());
        String shown = "printf '[%s]' \"$@\"; echo; exec \"$@\"";
        CordonResult r = kernel.run(args(opts, List.of("/bin/sh", "-c", shown, "sh"), client));

        assertThat(r.stdout()).as("%s", r).startsWith("[" + String.join("][", client) + "]\n");
        assertThat(r.attempt(denied.spec()).errno()).as("%s", r).isEqualTo(1);
        assertThat(denied.acceptedBeforeSentinel()).isZero();
    }

    @Test
    void defaultDenyKeepsLoopbackAllowedUnlessARuleNamesIt() {
        TcpListener two = kernel.tcp("127.0.0.2");
        TcpListener v6 = kernel.tcp("::1");

        CordonResult r = kernel.run(args(List.of("run", "--default", "deny", "--allow-cidr", "127.0.0.3/32", "--"),
                kernel.netclient(two.spec(), v6.spec())));

        assertThat(r.exitCode()).as("documented: loopback stays allowed under --default deny\n%s", r).isZero();
        assertThat(two.awaitAccepted(1, Duration.ofSeconds(5))).isTrue();
        assertThat(v6.awaitAccepted(1, Duration.ofSeconds(5))).isTrue();
        assertThat(r.attemptLines()).isEmpty();

        // Naming loopback takes it out of the implicit allow: now only 127.0.0.3 gets through.
        TcpListener three = kernel.tcp("127.0.0.3");
        CordonResult named = kernel.run(args(List.of("run", "--default", "deny", "--deny-cidr", "127.0.0.0/8",
                "--allow-cidr", "127.0.0.3/32", "--"), kernel.netclient(three.spec(), two.spec())));
        assertThat(named.attempt(three.spec()).ok()).as("%s", named).isTrue();
        assertThat(named.attempt(two.spec()).errno()).isEqualTo(1);
        assertThat(three.awaitAccepted(1, Duration.ofSeconds(5))).isTrue();
        assertThat(two.acceptedBeforeSentinel()).as("only the first run's connection").isEqualTo(1);
        assertThat(named.attemptLines()).singleElement().satisfies(l -> {
            assertThat(l.get("ip")).isEqualTo("127.0.0.2");
            assertThat(l.get("rule")).isEqualTo("127.0.0.0/8");
        });
    }

    @Test
    void theMostSpecificPrefixWins() {
        TcpListener two = kernel.tcp("127.0.0.2");
        TcpListener three = kernel.tcp("127.0.0.3");
        TcpListener outside = kernel.tcp("127.0.1.2"); // in 127.0.0.0/8 (implicit allow), not in the /24

        CordonResult r = kernel.run(args(List.of("run", "--deny-cidr", "127.0.0.0/24", "--allow-cidr", "127.0.0.3/32", "--"),
                kernel.netclient(three.spec(), two.spec(), outside.spec())));

        assertThat(r.attempt(three.spec()).ok()).as("%s", r).isTrue();
        assertThat(r.attempt(outside.spec()).ok()).isTrue();
        CordonResult.ClientAttempt denied = r.attempt(two.spec());
        assertThat(denied.errno()).isEqualTo(1);
        assertThat(denied.elapsed()).isLessThan(FAST);
        assertThat(three.awaitAccepted(1, Duration.ofSeconds(5))).isTrue();
        assertThat(outside.awaitAccepted(1, Duration.ofSeconds(5))).isTrue();
        assertThat(two.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).as("%s", r).singleElement().satisfies(l -> {
            assertThat(l.get("ip")).isEqualTo("127.0.0.2");
            assertThat(l.get("rule")).isEqualTo("127.0.0.0/24");
        });
    }

    @Test
    void theMostSpecificPrefixWinsTheOtherWayRound() {
        TcpListener two = kernel.tcp("127.0.0.2");
        TcpListener three = kernel.tcp("127.0.0.3");

        CordonResult r = kernel.run(args(List.of("run", "--default", "deny", "--allow-cidr", "127.0.0.0/24",
                "--deny-cidr", "127.0.0.2", "--"), kernel.netclient(three.spec(), two.spec())));

        assertThat(r.attempt(three.spec()).ok()).as("%s", r).isTrue();
        assertThat(r.attempt(two.spec()).errno()).isEqualTo(1);
        assertThat(three.awaitAccepted(1, Duration.ofSeconds(5))).isTrue();
        assertThat(two.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).singleElement().satisfies(l -> assertThat(l.get("rule")).isEqualTo("127.0.0.2/32"));
    }

    @Test
    void denyWinsWhenTheSamePrefixIsAlsoAllowed() {
        TcpListener two = kernel.tcp("127.0.0.2");

        CordonResult r = kernel.run(args(List.of("run", "--allow-cidr", "127.0.0.2", "--deny-cidr", "127.0.0.2", "--"),
                kernel.netclient(two.spec())));

        assertThat(r.attempt(two.spec()).errno()).as("%s", r).isEqualTo(1);
        assertThat(two.acceptedBeforeSentinel()).isZero();
    }
}
