package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * TCP connects from a command in a cordon session to listeners this test opens on loopback
 * addresses: denied ones fail with EPERM at once, allowed ones are accepted, audit mode lets them
 * through and reports them, IPv6 and IPv4-mapped destinations are judged like their v4/v6 rules,
 * and processes forked below the command are covered.
 */
class EnforcementIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    /** "well under a second": a blocked connect must be an immediate error, never a timeout. */
    static final Duration FAST = Duration.ofSeconds(1);
    private static final Pattern CURL_TIMING = Pattern.compile("(?m)^CURL rc=(\\d+) elapsed_ms=(\\d+)$");

    @Test
    void deniedConnectFailsWithEpermAtOnceAndIsReported() {
        TcpListener denied = kernel.tcp("127.0.0.2");

        CordonResult r = kernel.run(args(List.of("run", "--deny-cidr", "127.0.0.2", "--"), kernel.netclient(denied.spec())));

        CordonResult.ClientAttempt a = r.attempt(denied.spec());
        assertThat(a.errno()).as("errno of connect() (1 = EPERM)\n%s", r).isEqualTo(1);
        assertThat(a.strerror()).isEqualTo("Operation not permitted");
        assertThat(a.op()).isEqualTo("connect");
        assertThat(a.elapsed()).as("time connect() took to fail").isLessThan(FAST);
        assertThat(r.exitCode()).as("netclient exits with the errno; cordon passes it through\n%s", r).isEqualTo(1);
        assertThat(denied.acceptedBeforeSentinel()).as("connections that reached the denied listener").isZero();

        List<LogLine> lines = r.attemptLines();
        assertThat(lines).as("attempt lines\n%s", r).hasSize(1);
        LogLine l = lines.getFirst();
        assertThat(l.words()).containsExactly("WARN", "CONNECT", "BLOCKED");
        assertThat(l.fields()).containsEntry("blocked", "true").containsEntry("blockedAt", "connect")
                .containsEntry("ip", "127.0.0.2").containsEntry("port", Integer.toString(denied.port()))
                .containsEntry("proto", "tcp").containsEntry("pid", Long.toString(r.clientPid()))
                .containsEntry("cmd", String.join(" ", kernel.netclient(denied.spec())))
                .containsEntry("rule", "127.0.0.2/32").containsEntry("mode", "enforce")
                .doesNotContainKey("ipv6Mapped");
        // The client ran in the session's own cgroup, which is the root of its cgroup namespace: it
        // sees "/", and its cgroup is not the host's cgroup2 root (inode 1).
        assertThat(r.clientCgroup()).contains("/");
        assertThat(r.clientCgroupId()).hasValueSatisfying(id -> assertThat(id).isGreaterThan(1L));
    }

    @Test
    void deniedCurlExits7WithinASecond() {
        TcpListener denied = kernel.tcp("127.0.0.2");
        String timedCurl = "s=$(date +%s%N); curl -sS --max-time 10 \"$1\"; rc=$?; e=$(date +%s%N); "
                + "echo \"CURL rc=$rc elapsed_ms=$(( (e - s) / 1000000 ))\"; exit $rc";

        CordonResult r = kernel.run("run", "--deny-cidr", "127.0.0.2/32", "--", "sh", "-c", timedCurl, "sh", denied.url());

        assertThat(r.exitCode()).as("curl's exit code 7 (could not connect), passed through\n%s", r).isEqualTo(7);
        Matcher m = CURL_TIMING.matcher(r.stdout());
        assertThat(m.find()).as("timing line\n%s", r).isTrue();
        assertThat(Long.parseLong(m.group(2))).as("ms curl took to fail").isLessThan(FAST.toMillis());
        assertThat(r.stderr()).contains("curl: (7)");
        assertThat(denied.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).singleElement().satisfies(l -> {
            assertThat(l.words()).containsExactly("WARN", "CONNECT", "BLOCKED");
            assertThat(l.get("cmd")).isEqualTo("curl -sS --max-time 10 " + denied.url());
            assertThat(l.get("ip")).isEqualTo("127.0.0.2");
            assertThat(l.get("rule")).isEqualTo("127.0.0.2/32");
        });
    }

    @Test
    void allowedConnectsReachTheListener() {
        TcpListener other = kernel.tcp("127.0.0.3");
        TcpListener denied = kernel.tcp("127.0.0.2");

        CordonResult r = kernel.run(args(List.of("run", "--deny-cidr", "127.0.0.2", "--"), kernel.netclient(other.spec())));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.attempt(other.spec()).ok()).isTrue();
        assertThat(other.awaitAccepted(1, Duration.ofSeconds(5))).as("listener on 127.0.0.3 accepted").isTrue();
        assertThat(r.attemptLines()).as("allowed attempts print nothing without --events").isEmpty();

        CordonResult curl = kernel.run("run", "--", "curl", "-sS", "--max-time", "10", denied.url());
        assertThat(curl.exitCode()).as("no rules: everything allowed\n%s", curl).isZero();
        assertThat(curl.stdout()).isEqualTo("ok\n");
        assertThat(denied.awaitAccepted(1, Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void auditModeLetsTheConnectThroughAndReportsIt() {
        TcpListener target = kernel.tcp("127.0.0.2");

        CordonResult r = kernel.run(args(List.of("run", "--mode", "audit", "--deny-cidr", "127.0.0.2", "--"),
                kernel.netclient(target.spec())));

        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.attempt(target.spec()).ok()).isTrue();
        assertThat(target.awaitAccepted(1, Duration.ofSeconds(5))).as("the listener accepted the audited connect").isTrue();
        assertThat(r.attemptLines()).as("%s", r).singleElement().satisfies(l -> {
            assertThat(l.raw()).startsWith("WARN CONNECT AUDIT ");
            assertThat(l.fields()).containsEntry("blocked", "false").containsEntry("mode", "audit")
                    .containsEntry("ip", "127.0.0.2").containsEntry("port", Integer.toString(target.port()))
                    .containsEntry("pid", Long.toString(r.clientPid()))
                    .containsEntry("cmd", String.join(" ", kernel.netclient(target.spec())))
                    .containsEntry("rule", "127.0.0.2/32");
        });
    }

    @Test
    void mappedIpv4FromAnIpv6SocketIsJudgedAsIpv4() {
        TcpListener denied = kernel.tcp("127.0.0.2");
        TcpListener allowed = kernel.tcp("127.0.0.3");
        String deniedSpec = "tcp:::ffff:127.0.0.2:" + denied.port();
        String allowedSpec = "tcp:::ffff:127.0.0.3:" + allowed.port();

        CordonResult r = kernel.run(args(List.of("run", "--deny-cidr", "127.0.0.2", "--"), kernel.netclient(allowedSpec, deniedSpec)));

        assertThat(r.attempt(allowedSpec).ok()).as("%s", r).isTrue();
        assertThat(allowed.awaitAccepted(1, Duration.ofSeconds(5))).isTrue();
        CordonResult.ClientAttempt a = r.attempt(deniedSpec);
        assertThat(a.errno()).as("%s", r).isEqualTo(1);
        assertThat(a.elapsed()).isLessThan(FAST);
        assertThat(denied.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).as("%s", r).singleElement().satisfies(l -> {
            assertThat(l.words()).containsExactly("WARN", "CONNECT", "BLOCKED");
            assertThat(l.fields()).containsEntry("ip", "127.0.0.2").containsEntry("ipv6Mapped", "true")
                    .containsEntry("rule", "127.0.0.2/32").containsEntry("pid", Long.toString(r.clientPid()));
        });
    }

    @Test
    void ipv6LoopbackCanBeDenied() {
        TcpListener v6 = kernel.tcp("::1");

        CordonResult r = kernel.run(args(List.of("run", "--deny-cidr", "::1", "--"), kernel.netclient(v6.spec())));

        CordonResult.ClientAttempt a = r.attempt(v6.spec());
        assertThat(a.errno()).as("%s", r).isEqualTo(1);
        assertThat(a.elapsed()).isLessThan(FAST);
        assertThat(v6.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).as("%s", r).singleElement().satisfies(l -> {
            assertThat(l.words()).containsExactly("WARN", "CONNECT", "BLOCKED");
            assertThat(l.fields()).containsEntry("ip", "::1").containsEntry("rule", "::1/128")
                    .containsEntry("port", Integer.toString(v6.port())).doesNotContainKey("ipv6Mapped");
        });
    }

    @Test
    void ipv6LoopbackIsAllowedByDefault() {
        TcpListener v6 = kernel.tcp("::1");

        CordonResult r = kernel.run(args(List.of("run", "--deny-cidr", "127.0.0.2", "--"), kernel.netclient(v6.spec())));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(v6.awaitAccepted(1, Duration.ofSeconds(5))).isTrue();

        CordonResult curl = kernel.run("run", "--", "curl", "-sS", "--max-time", "10", "-g", v6.url());
        assertThat(curl.exitCode()).as("%s", curl).isZero();
        assertThat(v6.awaitAccepted(2, Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void aGrandchildOfTheCommandIsCovered() {
        TcpListener denied = kernel.tcp("127.0.0.2");
        String curl = "curl -sS --max-time 10 " + denied.url();

        CordonResult r = kernel.run("run", "--deny-cidr", "127.0.0.2", "--", "sh", "-c", "sh -c \"" + curl + "\"; exit $?");

        assertThat(r.exitCode()).as("%s", r).isEqualTo(7);
        assertThat(denied.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).as("%s", r).singleElement().satisfies(l -> {
            assertThat(l.words()).containsExactly("WARN", "CONNECT", "BLOCKED");
            assertThat(l.get("cmd")).isEqualTo(curl);
        });
    }

    @Test
    void aProcessForkedIntoTheBackgroundIsCovered() {
        TcpListener denied = kernel.tcp("127.0.0.2");
        List<String> client = kernel.netclient(denied.spec());
        // The client runs detached from the shell's foreground; the shell waits for it so the run is deterministic.
        String script = String.join(" ", client) + " > bg.out 2>&1 & wait $!; rc=$?; cat bg.out; exit $rc";

        CordonResult r = kernel.run("run", "--deny-cidr", "127.0.0.2", "--", "sh", "-c", script);

        assertThat(r.attempt(denied.spec()).errno()).as("%s", r).isEqualTo(1);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(denied.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).singleElement().satisfies(l -> assertThat(l.get("pid")).isEqualTo(Long.toString(r.clientPid())));
    }
}
