package dev.cordon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bypass suite: every way a script might try to reach the network around the guard, each run
 * in both modes. In enforce mode the attempt must fail (nothing reaches the listener, no blocked
 * name resolves); in audit mode it goes through. In both it must be reported with the pid and the
 * command line of the process that made it. docs/THREAT-MODEL.md maps each vector to its test here
 * or in the suite that owns it (containment, crash, encrypted DNS, rebinding, flood).
 *
 * <p>Destinations are loopback addresses that the session denies ({@code --deny-cidr 127.0.0.2},
 * {@code ::1}); names come from dnsmasq on loopback. The system calls python cannot make (sendmmsg,
 * io_uring) come from bypass.c, compiled here with the host's C compiler.
 */
class BypassIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    @TempDir
    static Path world;
    static Dnsmasq dns;
    static Path bypass;

    static final String DENIED_V4 = "127.0.0.2";
    static final String OK_IP = "127.0.0.7";
    static final String BLOCKED = "blocked.example";

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        bypass = compileBypass(world);
        dns = new Dnsmasq().host(BLOCKED, DENIED_V4).host("ok.internal", OK_IP).host("api.blocked.example", DENIED_V4)
                .cname("alias.ok.internal", "api.blocked.example").start(world);
    }

    @AfterAll
    static void stop() {
        if (dns != null) dns.close();
    }

    static Path compileBypass(Path dir) throws IOException, InterruptedException {
        Path src = dir.resolve("bypass.c"), bin = dir.resolve("bypass");
        try (InputStream in = BypassIT.class.getResourceAsStream("bypass.c")) {
            if (in == null) throw new IllegalStateException("bypass.c is missing from the test classpath");
            Files.copy(in, src);
        }
        Host.Out out = Host.run("clang", "-O1", "-Wall", "-o", bin.toString(), src.toString());
        if (out.exit() != 0 || !Files.isExecutable(bin)) {
            throw new IllegalStateException("cannot compile bypass.c (the bypass suite needs a C compiler: bin/setup installs clang):\n" + out.out() + out.err());
        }
        return bin;
    }

    private static List<String> cordon(String mode, String... more) {
        List<String> a = new ArrayList<>(List.of("run", "--mode", mode, "--upstream", dns.upstream(), "--deny-cidr", DENIED_V4,
                "--deny-cidr", "::1", "--deny", BLOCKED));
        a.addAll(List.of(more));
        a.add("--");
        return a;
    }

    private static boolean enforce(String mode) {
        return mode.equals("enforce");
    }

    private static String verdict(String mode) {
        return enforce(mode) ? "BLOCKED" : "AUDIT";
    }

    /** The attempt lines for {@code ip}, each naming {@code pid} and a command line containing {@code cmdPart}. */
    private static List<LogLine> reported(CordonResult r, String mode, String ip, long pid, String cmdPart) {
        List<LogLine> lines = r.attemptLines(l -> ip.equals(l.get("ip")));
        assertThat(lines).as("attempts to %s reported\n%s", ip, r).isNotEmpty().allSatisfy(l -> {
            assertThat(l.words()).as(l.raw()).contains(verdict(mode));
            assertThat(l.get("blocked")).isEqualTo(Boolean.toString(enforce(mode)));
            assertThat(l.get("pid")).isEqualTo(Long.toString(pid));
            assertThat(l.get("cmd")).contains(cmdPart);
            assertThat(l.get("mode")).isEqualTo(mode);
        });
        return lines;
    }

    private static void assertAttempt(CordonResult r, String spec, String mode) {
        CordonResult.ClientAttempt a = r.attempt(spec);
        if (enforce(mode)) assertThat(a.errno()).as("%s is refused with EPERM\n%s", spec, r).isEqualTo(1);
        else assertThat(a.ok()).as("%s goes through in audit mode\n%s", spec, r).isTrue();
    }

    // ---- direct addresses ----

    @ParameterizedTest
    @ValueSource(strings = {"enforce", "audit"})
    void directIpv4Ipv6AndMappedConnects(String mode) {
        TcpListener v4 = kernel.tcp(DENIED_V4), v6 = kernel.tcp("::1");
        String s4 = v4.spec(), s6 = "tcp:::1:" + v6.port(), mapped = "tcp:::ffff:" + DENIED_V4 + ":" + v4.port();

        CordonResult r = kernel.run(args(cordon(mode), kernel.netclient(s4, s6, mapped)));

        for (String spec : List.of(s4, s6, mapped)) assertAttempt(r, spec, mode);
        assertThat(v4.acceptedBeforeSentinel()).isEqualTo(enforce(mode) ? 0 : 2);
        assertThat(v6.acceptedBeforeSentinel()).isEqualTo(enforce(mode) ? 0 : 1);
        assertThat(reported(r, mode, DENIED_V4, r.clientPid(), "netclient.py")).hasSize(2)
                .anySatisfy(l -> assertThat(l.get("ipv6Mapped")).isEqualTo("true"));
        assertThat(reported(r, mode, "::1", r.clientPid(), "netclient.py")).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"enforce", "audit"})
    void unconnectedSendto(String mode) {
        UdpListener l = kernel.udp(DENIED_V4);
        String spec = l.spec("udp");

        CordonResult r = kernel.run(args(cordon(mode), kernel.netclient(spec)));

        assertAttempt(r, spec, mode);
        assertThat(l.receivedBeforeSentinel()).hasSize(enforce(mode) ? 0 : 1);
        assertThat(reported(r, mode, DENIED_V4, r.clientPid(), "netclient.py")).singleElement()
                .satisfies(x -> assertThat(x.get("blockedAt")).isEqualTo("sendmsg"));
    }

    // ---- sendmmsg ----

    @ParameterizedTest
    @ValueSource(strings = {"enforce", "audit"})
    void sendmmsgWithSeveralDatagrams(String mode) {
        UdpListener l = kernel.udp(DENIED_V4);
        String spec = "mmsg:" + DENIED_V4 + ":" + l.port() + ":3";

        CordonResult r = kernel.run(args(cordon(mode), List.of(bypass.toString(), spec)));

        assertAttempt(r, spec, mode);
        assertThat(l.receivedBeforeSentinel()).hasSize(enforce(mode) ? 0 : 3);
        reported(r, mode, DENIED_V4, r.clientPid(), bypass + " " + spec);
    }

    @ParameterizedTest
    @ValueSource(strings = {"enforce", "audit"})
    void sendmmsgWithSeveralDnsQueries(String mode) {
        String spec = "mmsg-dns:127.0.0.53:53:ok.internal," + BLOCKED + ",x.ok.internal";

        CordonResult r = kernel.run(args(cordon(mode), List.of(bypass.toString(), spec)));

        assertThat(r.attempt(spec).ok()).as("every query answered\n%s", r).isTrue();
        assertThat(answer(r, "ok.internal")).isEqualTo("rcode=0 answers=1");
        assertThat(answer(r, "x.ok.internal")).as("a name dnsmasq does not know").endsWith(" answers=0");
        assertThat(answer(r, BLOCKED)).isEqualTo(enforce(mode) ? "rcode=3 answers=0" : "rcode=0 answers=1");
        assertThat(dnsLines(r, BLOCKED)).singleElement().satisfies(l -> {
            assertThat(l.words()).contains(verdict(mode));
            assertThat(l.get("pid")).isEqualTo(Long.toString(r.clientPid()));
            assertThat(l.get("cmd")).contains(bypass.toString());
        });
    }

    private static String answer(CordonResult r, String name) {
        Pattern p = Pattern.compile("^ANSWER name=" + Pattern.quote(name) + " (rcode=\\d+ answers=\\d+)$");
        for (String line : r.stdoutLines()) {
            Matcher m = p.matcher(line);
            if (m.matches()) return m.group(1);
        }
        throw new AssertionError("no answer for " + name + "\n" + r);
    }

    private static List<LogLine> dnsLines(CordonResult r, String name) {
        return r.stderrLines().stream().filter(l -> l.contains(" DNS ")).map(LogLine::parse)
                .filter(l -> (name + ".").equals(l.get("domain"))).toList();
    }

    // ---- DNS over TCP, to another server, and to a non-53 port ----

    @ParameterizedTest
    @ValueSource(strings = {"enforce", "audit"})
    void dnsOverTcpAndToAServerThatIsNotTheSystemResolver(String mode) {
        List<String> cmd = List.of("/bin/sh", "-c", """
                dig +tcp +short +tries=1 +time=5 @127.0.0.53 %1$s A; echo "tcp-status=$?"
                dig +short +tries=1 +time=5 @127.0.0.99 %1$s A; echo "other-status=$?"
                """.formatted(BLOCKED));

        CordonResult r = kernel.run(args(cordon(mode), cmd));

        assertThat(r.exitCode()).as("%s", r).isZero();
        if (enforce(mode)) assertThat(r.stdout()).doesNotContain(DENIED_V4);
        else assertThat(r.stdoutLines()).filteredOn(DENIED_V4::equals).hasSize(2);
        assertThat(dnsLines(r, BLOCKED)).as("%s", r).hasSize(2).allSatisfy(l -> {
            assertThat(l.words()).contains(verdict(mode));
            assertThat(l.get("cmd")).startsWith("dig ");
        }).extracting(l -> l.get("cmd")).anySatisfy(c -> assertThat(c).contains("+tcp"))
                .anySatisfy(c -> assertThat(c).contains("@127.0.0.99"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"enforce", "audit"})
    void dnsToANon53PortOfADeniedAddressIsJudgedByAddress(String mode) {
        UdpListener l = kernel.udp(DENIED_V4);
        List<String> cmd = List.of("dig", "+tries=1", "+time=1", "-p", Integer.toString(l.port()), "@" + DENIED_V4, "ok.internal", "A");

        CordonResult r = kernel.run(args(cordon(mode), cmd));

        assertThat(l.receivedBeforeSentinel()).as("queries that reached %s\n%s", DENIED_V4, r).hasSize(enforce(mode) ? 0 : 1);
        List<LogLine> lines = r.attemptLines(x -> DENIED_V4.equals(x.get("ip")));
        assertThat(lines).as("%s", r).isNotEmpty().allSatisfy(x -> {
            assertThat(x.words()).contains(verdict(mode));
            assertThat(x.get("port")).isEqualTo(Integer.toString(l.port()));
            assertThat(x.get("cmd")).startsWith("dig ").contains("@" + DENIED_V4);
        });
    }

    // ---- io_uring ----

    @ParameterizedTest
    @ValueSource(strings = {"enforce", "audit"})
    void ioUringConnectSendmsgAndSocket(String mode) {
        TcpListener t = kernel.tcp(DENIED_V4);
        UdpListener u = kernel.udp(DENIED_V4);
        String connect = "uring-connect:" + DENIED_V4 + ":" + t.port();
        String socket = "uring-socket:" + DENIED_V4 + ":" + t.port();
        String sendmsg = "uring-sendmsg:" + DENIED_V4 + ":" + u.port();

        CordonResult r = kernel.run(args(cordon(mode), List.of(bypass.toString(), connect, socket, sendmsg)));

        for (String spec : List.of(connect, socket, sendmsg)) assertAttempt(r, spec, mode);
        assertThat(t.acceptedBeforeSentinel()).isEqualTo(enforce(mode) ? 0 : 2);
        assertThat(u.receivedBeforeSentinel()).hasSize(enforce(mode) ? 0 : 1);
        List<LogLine> lines = reported(r, mode, DENIED_V4, r.clientPid(), bypass.toString());
        assertThat(lines).extracting(l -> l.get("proto")).contains("tcp", "udp");
    }

    // ---- names ----

    @ParameterizedTest
    @ValueSource(strings = {"enforce", "audit"})
    void aCnameIntoABlockedNameIsCaught(String mode) {
        List<String> cmd = List.of("dig", "+short", "+tries=1", "+time=5", "@127.0.0.53", "alias.ok.internal", "A");

        CordonResult r = kernel.run(args(cordon(mode), cmd));

        if (enforce(mode)) assertThat(r.stdout()).doesNotContain(DENIED_V4);
        else assertThat(r.stdout()).contains(DENIED_V4);
        assertThat(dnsLines(r, "alias.ok.internal")).as("%s", r).singleElement().satisfies(l -> {
            assertThat(l.words()).contains(verdict(mode));
            assertThat(l.get("cmd")).startsWith("dig ");
            assertThat(l.raw()).contains("api.blocked.example");
        });
    }

    // ---- processes that leave the tree ----

    @ParameterizedTest
    @ValueSource(strings = {"enforce", "audit"})
    void aDoubleForkedDaemonIsStillGuardedAndKilledAtTheEnd(String mode) throws IOException {
        TcpListener t = kernel.tcp(DENIED_V4);
        Path result = kernel.dir().resolve("daemon.out");
        Path pidFile = kernel.dir().resolve("daemon.pid");
        // The daemon: setsid + double fork so it is no child of the command, connects, reports, then stays.
        List<String> client = kernel.netclient(t.spec());
        String daemon = "(setsid sh -c 'echo $$ > %s; %s > %s 2>&1; exec sleep 300' &) ; i=0; while [ $i -lt 300 ] && ! grep -q RESULT %s 2>/dev/null; do sleep 0.1; i=$((i+1)); done"
                .formatted(pidFile, String.join(" ", client), result, result);

        CordonResult r = kernel.run(args(cordon(mode), List.of("/bin/sh", "-c", daemon)));

        String out = Files.readString(result);
        long daemonPid = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(out).contains(enforce(mode) ? "errno=1 " : "errno=0 ");
        assertThat(t.acceptedBeforeSentinel()).isEqualTo(enforce(mode) ? 0 : 1);
        long clientPid = out.lines().filter(x -> x.startsWith("PID ")).map(x -> Long.parseLong(x.substring(4).trim())).findFirst().orElseThrow();
        reported(r, mode, DENIED_V4, clientPid, "netclient.py");
        assertThat(r.stderr()).contains("killing");
        assertThat(Await.until(java.time.Duration.ofSeconds(5), () -> !HostState.alive(daemonPid)))
                .as("the daemon (pid %d) is dead after the session (a zombie waiting for init counts as dead)", daemonPid).isTrue();
    }
}
