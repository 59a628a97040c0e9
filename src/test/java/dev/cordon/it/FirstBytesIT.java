package dev.cordon.it;

import dev.cordon.policy.Action;
import dev.cordon.policy.DomainName;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.NameTable;
import dev.cordon.policy.OutagePlan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Names in the first bytes of TCP connections, judged in the kernel: a blocked name sent to an
 * address the policy allows (curl --resolve, a Host header to a hard-coded address, a proxy request)
 * fails at that send with EACCES and is named; an allowed name, or none, passes. TLS 1.2 and 1.3,
 * IPv4 and IPv6, a ClientHello split over two sends or two records, ECH, TCP Fast Open, audit mode,
 * simulated outages, a policy reload, and the kernel deciding a table of names as DomainPolicy does.
 * Everything runs on loopback, against python3 TLS and HTTP servers the tests start.
 */
class FirstBytesIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    @TempDir
    static Path world;
    @TempDir
    Path dir;
    static Path firstBytes;
    static TlsServer tls4, tls6;
    static LoopbackWeb web;
    static TcpListener tableHost, cidrHost;
    static Dnsmasq dns;

    static final String TABLE_IP = "127.0.0.43", CIDR_IP = "127.0.0.44";

    @BeforeAll
    static void start() throws IOException {
        firstBytes = Host.script(world, "firstbytes.py");
        Path server = Host.script(world, "tls_server.py");
        tls4 = TlsServer.start(world, server, "127.0.0.41");
        tls6 = TlsServer.start(world, server, "::1");
        web = new LoopbackWeb("127.0.0.42");
        tableHost = new TcpListener(TABLE_IP);
        cidrHost = new TcpListener(CIDR_IP);
        dns = new Dnsmasq().host("table.test", TABLE_IP).host("ok.test", "127.0.0.41").start(world);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {dns, cidrHost, tableHost, web, tls6, tls4}) {
            try {
                if (c != null) c.close();
            } catch (Exception ignored) {
                // closing what the class started; the next one still closes
            }
        }
    }

    private static String py(String... args) {
        return "/usr/bin/python3 " + firstBytes + " " + String.join(" ", args);
    }

    private static String timedCurl(String args) {
        return "s=$(date +%s%N); curl -sS --max-time 10 " + args + "; echo \"rc=$? ms=$(( ($(date +%s%N) - s) / 1000000 ))\"";
    }

    private static int ms(String section) {
        Matcher m = Pattern.compile("ms=(\\d+)").matcher(section);
        assertThat(m.find()).as(section).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static ViolationLine only(GuardedRun.Result r, String kind, String verdict, String domain) {
        List<ViolationLine> l = r.lines(kind, verdict).stream().filter(v -> domain.equals(v.get("domain"))).toList();
        assertThat(l).as("%s %s lines for %s in:\n%s", kind, verdict, domain, r.err()).hasSize(1);
        return l.getFirst();
    }

    @Test
    void aBlockedServerNameToAnAllowedAddressFailsAtOnceAndIsNamed() {
        String curlBlocked = "curl -sS --max-time 10 -k --resolve " + tls4.resolve("blocked.test") + " " + tls4.url("blocked.test");
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--deny", "blocked.test").sh("""
                echo "== curl"; %1$s
                echo "== allowed"; curl -sS --max-time 10 -k --resolve %2$s %3$s; echo "rc=$?"
                echo "== python"; %4$s
                echo "== python-allowed"; %5$s
                """.formatted(timedCurl("-k --resolve " + tls4.resolve("blocked.test") + " " + tls4.url("blocked.test")),
                tls4.resolve("ok.test"), tls4.url("ok.test"),
                py("tls", tls4.address(), Integer.toString(tls4.port()), "blocked.test"),
                py("tls", tls4.address(), Integer.toString(tls4.port()), "ok.test")));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("curl")).as(r.toString()).contains("rc=35").doesNotContain("hello");
        assertThat(ms(r.section("curl"))).as("the ClientHello's send fails at once, no timeout").isLessThan(2000);
        assertThat(r.section("allowed")).contains("hello ok.test over TLSv1.3").contains("rc=0");
        assertThat(r.section("python")).startsWith("send 1 errno=EACCES");
        assertThat(r.section("python-allowed")).contains("reply TLSv1.3 hello ok.test over TLSv1.3");

        List<ViolationLine> lines = r.lines("TLS", "BLOCKED");
        assertThat(lines).as(r.err()).hasSize(2).allSatisfy(l -> {
            assertThat(l.get("reason")).isEqualTo("FromTLSSNI");
            assertThat(l.get("domain")).isEqualTo("blocked.test.");
            assertThat(l.get("rule")).isEqualTo("blocked.test");
            assertThat(l.get("blockedAt")).isEqualTo("tls");
            assertThat(l.get("ip")).isEqualTo(tls4.address());
            assertThat(l.get("port")).isEqualTo(Integer.toString(tls4.port()));
            assertThat(l.get("mode")).isEqualTo("enforce");
            assertThat(l.pid()).isPositive();
        });
        assertThat(lines.getFirst().get("cmd")).isEqualTo(curlBlocked);
        assertThat(lines.get(1).get("cmd")).isEqualTo(py("tls", tls4.address(), Integer.toString(tls4.port()), "blocked.test"));
        assertThat(r.lines("TLS", "ALLOWED")).isEmpty();
    }

    @Test
    void noFirstBytesLeavesNamesToDnsAlone() {
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--deny", "blocked.test", "--no-first-bytes").sh(
                "echo '== curl'; curl -sS --max-time 10 -k --resolve " + tls4.resolve("blocked.test") + " "
                        + tls4.url("blocked.test") + "; echo \"rc=$?\"");

        assertThat(r.section("curl")).as(r.toString()).contains("hello blocked.test over TLSv1.3").contains("rc=0");
        assertThat(r.lines("TLS", "BLOCKED")).isEmpty();
        assertThat(r.attachedProgramNames()).doesNotContain("cordon_sockops");
    }

    @Test
    void tls12And13AndIpv6AreJudgedAlike() {
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--deny", "blocked.test").sh("""
                echo "== tls12"; curl -sS --max-time 10 -k --tlsv1.2 --tls-max 1.2 --resolve %1$s %2$s; echo "rc=$?"
                echo "== tls12-ok"; curl -sS --max-time 10 -k --tlsv1.2 --tls-max 1.2 --resolve %3$s %4$s; echo "rc=$?"
                echo "== tls13"; curl -sS --max-time 10 -k --tlsv1.3 --resolve %1$s %2$s; echo "rc=$?"
                echo "== v6"; curl -sS --max-time 10 -k --resolve %5$s %6$s; echo "rc=$?"
                echo "== v6-ok"; curl -sS --max-time 10 -k --resolve %7$s %8$s; echo "rc=$?"
                echo "== v6-python"; %9$s
                """.formatted(tls4.resolve("blocked.test"), tls4.url("blocked.test"), tls4.resolve("ok.test"), tls4.url("ok.test"),
                tls6.resolve("blocked.test"), tls6.url("blocked.test"), tls6.resolve("ok.test"), tls6.url("ok.test"),
                py("tls", "::1", Integer.toString(tls6.port()), "blocked.test", "--version", "1.2")));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("tls12")).contains("rc=35");
        assertThat(r.section("tls12-ok")).contains("hello ok.test over TLSv1.2");
        assertThat(r.section("tls13")).contains("rc=35");
        assertThat(r.section("v6")).contains("rc=35");
        assertThat(r.section("v6-ok")).contains("hello ok.test over TLSv1.3");
        assertThat(r.section("v6-python")).startsWith("send 1 errno=EACCES");
        List<ViolationLine> v6 = r.lines("TLS", "BLOCKED").stream().filter(l -> "::1".equals(l.get("ip"))).toList();
        assertThat(v6).as(r.err()).hasSize(2).allSatisfy(l -> assertThat(l.get("domain")).isEqualTo("blocked.test."));
        assertThat(r.lines("TLS", "BLOCKED")).hasSize(4);
    }

    @Test
    void aClientHelloOrRequestSplitOverTwoSendsIsHeldAndJudgedWhole() {
        String port = Integer.toString(tls4.port());
        String request = "GET / HTTP/1.1\\r\\nHost: blocked.test\\r\\nAccept: */*\\r\\n\\r\\n";
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--deny", "blocked.test").sh("""
                echo "== header"; %1$s
                echo "== body"; %2$s
                echo "== ok"; %3$s
                echo "== ok12"; %4$s
                echo "== http"; %5$s
                echo "== http-ok"; %6$s
                """.formatted(py("tls", tls4.address(), port, "blocked.test", "--split", "3"),
                py("tls", tls4.address(), port, "blocked.test", "--split", "100"),
                py("tls", tls4.address(), port, "ok.test", "--split", "100"),
                py("tls", tls4.address(), port, "ok.test", "--split", "3", "--version", "1.2"),
                py("http", web.ip(), Integer.toString(web.port()), "'" + request + "'", "--split", "20"),
                py("http", web.ip(), Integer.toString(web.port()), "'" + request.replace("blocked.test", "ok.test") + "'", "--split", "20")));

        assertThat(r.exit()).as(r.toString()).isZero();
        for (String s : List.of("header", "body", "http")) {
            assertThat(r.section(s)).as(s + "\n" + r).contains("send 1 ok").contains("send 2 errno=EACCES");
        }
        assertThat(r.section("ok")).contains("send 2 ok").contains("reply TLSv1.3 hello ok.test");
        assertThat(r.section("ok12")).contains("send 2 ok").contains("reply TLSv1.2 hello ok.test");
        assertThat(r.section("http-ok")).contains("send 2 ok").contains("reply HTTP/1.1 200 OK");
        assertThat(r.lines("TLS", "BLOCKED")).hasSize(2);
        assertThat(only(r, "HTTP", "BLOCKED", "blocked.test.").get("reason")).isEqualTo("FromHTTPHost");
    }

    @Test
    void aBlockedHostAProxyRequestAndAConnectAreRefused() {
        String hostPort = web.ip() + ":" + web.port();
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--deny", "blocked.test").sh("""
                echo "== host"; curl -sS --max-time 10 -H 'Host: blocked.test' http://%1$s/; echo "rc=$?"
                echo "== host-port"; curl -sS --max-time 10 -H 'Host: Blocked.Test.:8080' http://%1$s/; echo "rc=$?"
                echo "== ok"; curl -sS --max-time 10 -H 'Host: ok.test' http://%1$s/; echo "rc=$?"
                echo "== proxy"; curl -sS --max-time 10 -x http://%1$s http://blocked.test/; echo "rc=$?"
                echo "== connect"; curl -sS --max-time 10 -p -x http://%1$s http://blocked.test/; echo "rc=$?"
                echo "== literal"; curl -sS --max-time 10 http://%1$s/; echo "rc=$?"
                """.formatted(hostPort));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("host")).contains("rc=55");
        assertThat(r.section("host-port")).as("case, a port and a trailing dot change nothing").contains("rc=55");
        assertThat(r.section("ok")).contains(web.body());
        assertThat(r.section("proxy")).as("GET http://blocked.test/ to a proxy").contains("rc=55");
        assertThat(r.section("connect")).as("CONNECT blocked.test:80").containsPattern("rc=(55|56)");
        assertThat(r.section("literal")).as("Host: an address literal is no name").contains(web.body());
        List<ViolationLine> lines = r.lines("HTTP", "BLOCKED");
        assertThat(lines).as(r.err()).hasSize(4).allSatisfy(l -> {
            assertThat(l.get("domain")).isEqualTo("blocked.test.");
            assertThat(l.get("reason")).isEqualTo("FromHTTPHost");
            assertThat(l.get("ip")).isEqualTo(web.ip());
        });
    }

    @Test
    void auditModeLetsABlockedNameThroughAndReportsIt() {
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--mode", "audit", "--deny", "blocked.test").sh("""
                echo "== tls"; curl -sS --max-time 10 -k --resolve %1$s %2$s; echo "rc=$?"
                echo "== http"; curl -sS --max-time 10 -H 'Host: blocked.test' http://%3$s:%4$d/; echo "rc=$?"
                """.formatted(tls4.resolve("blocked.test"), tls4.url("blocked.test"), web.ip(), web.port()));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("tls")).contains("hello blocked.test over TLSv1.3");
        assertThat(r.section("http")).contains(web.body());
        ViolationLine t = only(r, "TLS", "AUDIT", "blocked.test.");
        assertThat(t.get("blocked")).isEqualTo("false");
        assertThat(t.get("mode")).isEqualTo("audit");
        assertThat(t.get("cmd")).startsWith("curl -sS --max-time 10 -k --resolve");
        assertThat(only(r, "HTTP", "AUDIT", "blocked.test.").get("reason")).isEqualTo("FromHTTPHost");
        assertThat(r.lines("TLS", "BLOCKED")).isEmpty();
    }

    /**
     * Every name of the shared table, sent as a Host to an address only a DNS answer allowed, is
     * decided by the kernel as DomainPolicy decides it (and OutagePlan, for names rehearsed as down):
     * the same verdict and the same rule, under either default.
     */
    @ParameterizedTest
    @EnumSource(Action.class)
    void theKernelDecidesTheTableOfNamesAsDomainPolicyDoes(Action defaultAction) throws IOException, InterruptedException {
        List<String> opts = new ArrayList<>(List.of("--default", defaultAction.label(), "--loopback", "rules", "--allow", "table.test"));
        for (String a : NameTable.ALLOW) opts.addAll(List.of("--allow", a));
        for (String d : NameTable.DENY) opts.addAll(List.of("--deny", d));
        for (String o : NameTable.OUTAGE) opts.addAll(List.of("--simulate-outage", o));
        Path events = dir.resolve("events.jsonl");
        opts.addAll(List.of("--outage-wait", "1s", "--events", events.toString()));
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt(opts.toArray(String[]::new)).sh("""
                getent hosts table.test > /dev/null || echo "table.test did not resolve"
                %s
                """.formatted(py("table", TABLE_IP, Integer.toString(tableHost.port()), String.join(" ", NameTable.NAMES))));

        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> alsoAllowed = new ArrayList<>(NameTable.ALLOW);
        alsoAllowed.add("table.test");
        DomainPolicy policy = DomainPolicy.of(alsoAllowed.stream().map(DomainPattern::parse).toList(),
                NameTable.DENY.stream().map(DomainPattern::parse).toList(), defaultAction);
        OutagePlan outage = NameTable.outage();
        List<String> results = r.out().lines().filter(l -> l.matches("\\S+ (ok|errno=\\w+)")).toList();
        List<Map<String, String>> judged = JsonLines.ofType(JsonLines.read(events), "http");
        assertThat(results).as(r.toString()).hasSize(NameTable.NAMES.size());
        assertThat(judged).as("one http record per name").hasSize(NameTable.NAMES.size());
        for (int i = 0; i < NameTable.NAMES.size(); i++) {
            String name = NameTable.NAMES.get(i);
            DomainPolicy.Decision d = policy.decide(name);
            Optional<DomainPattern> down = outage.match(name);
            String verdict = d.denied() ? "blocked" : down.isPresent() ? "outage" : "allowed";
            String rule = d.denied() || down.isEmpty() ? d.ruleLabel() : "outage:" + down.get();
            Map<String, String> e = judged.get(i);
            assertThat(results.get(i)).as("the send of " + name).isEqualTo(name + (verdict.equals("allowed") ? " ok" : " errno=EACCES"));
            assertThat(e).as(name).containsEntry("domain", DomainName.absolute(name)).containsEntry("verdict", verdict)
                    .containsEntry("rule", rule).containsEntry("reason", "FromHTTPHost");
        }
    }

    @Test
    void underADenyDefaultAnUnlistedNameFailsOnALearnedAddressButNotOnAnAllowedCidr() {
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--default", "deny", "--allow", "table.test", "--loopback", "rules",
                "--allow-cidr", CIDR_IP + "/32").sh("""
                getent hosts table.test > /dev/null
                echo "== learned"; %1$s
                echo "== cidr"; %2$s
                """.formatted(py("table", TABLE_IP, Integer.toString(tableHost.port()), "table.test", "unlisted.test"),
                py("table", CIDR_IP, Integer.toString(cidrHost.port()), "unlisted.test")));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("learned")).contains("table.test ok").contains("unlisted.test errno=EACCES");
        assertThat(r.section("cidr")).as("the address was allowed for its own sake").contains("unlisted.test ok");
        ViolationLine l = only(r, "HTTP", "BLOCKED", "unlisted.test.");
        assertThat(l.get("rule")).isEqualTo("default:deny");
        assertThat(l.get("ip")).isEqualTo(TABLE_IP);
    }

    @Test
    void aNameTableOfManyBatchesPutSideBySideHoldsEveryName() throws IOException {
        // 5000 names make five batches of the kernel's name table, put on every CPU at once: a name from
        // the start and the end of each thousand must be there, and nothing the policy does not name
        StringBuilder policy = new StringBuilder("version: 1\ndefault: deny\nloopback: rules\nallow:\n  domains:\n    - table.test\n");
        for (int i = 0; i < 5000; i++) policy.append("    - n").append(i).append(".bulk.test\n");
        Path file = Files.writeString(dir.resolve("bulk.yaml"), policy);
        List<String> names = new ArrayList<>();
        for (int b = 0; b < 5; b++) names.addAll(List.of("n" + b * 1024 + ".bulk.test", "n" + Math.min(4999, b * 1024 + 1023) + ".bulk.test"));
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--policy", file.toString()).sh("""
                getent hosts table.test > /dev/null
                echo "== names"; %s
                """.formatted(py("table", TABLE_IP, Integer.toString(tableHost.port()),
                String.join(" ", names), "n5000.bulk.test", "bulk.test")));

        assertThat(r.exit()).as(r.toString()).isZero();
        for (String n : names) assertThat(r.section("names")).as(r.toString()).contains(n + " ok");
        assertThat(r.section("names")).contains("n5000.bulk.test errno=EACCES").contains("bulk.test errno=EACCES");
    }

    @Test
    void anEncryptedClientHelloIsJudgedByItsOuterNameAndReported() {
        String port = Integer.toString(tls4.port());
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--deny", "blocked.test").sh("""
                echo "== ech"; %1$s
                echo "== ech-blocked"; %2$s
                """.formatted(py("tls", tls4.address(), port, "public.test", "--ech"),
                py("tls", tls4.address(), port, "blocked.test", "--ech")));

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("ech")).as("the outer name is allowed: the ClientHello leaves").startsWith("send 1 ok");
        assertThat(r.section("ech-blocked")).startsWith("send 1 errno=EACCES");
        ViolationLine allowed = r.lines("TLS", "ALLOWED").getFirst();
        assertThat(allowed.level()).isEqualTo("INFO");
        assertThat(allowed.get("domain")).isEqualTo("public.test.");
        assertThat(allowed.get("ech")).isEqualTo("true");
        assertThat(only(r, "TLS", "BLOCKED", "blocked.test.").get("ech")).isEqualTo("true");
    }

    @Test
    void aClientHelloWhoseNameIsInALaterRecordIsRefusedAsUnreadable() {
        String port = Integer.toString(tls4.port());
        String send = py("tls", tls4.address(), port, "ok.test", "--records", "40");
        GuardedRun.Result enforce = GuardedRun.cordon(dir, dns).opt("--deny", "blocked.test").sh("echo '== hello'; " + send);
        assertThat(enforce.section("hello")).as(enforce.toString()).startsWith("send 1 errno=EACCES");
        ViolationLine l = enforce.lines("TLS", "BLOCKED").getFirst();
        assertThat(l.get("rule")).isEqualTo("first-bytes:unreadable");
        assertThat(l.get("domain")).isNull();
        assertThat(l.get("cmd")).isEqualTo(send);

        GuardedRun.Result audit = GuardedRun.cordon(dir, dns).opt("--mode", "audit", "--deny", "blocked.test").sh("echo '== hello'; " + send);
        assertThat(audit.section("hello")).as(audit.toString()).contains("reply TLSv1.3 hello ok.test");
        assertThat(audit.lines("TLS", "AUDIT").getFirst().get("rule")).isEqualTo("first-bytes:unreadable");
    }

    @Test
    void tcpFastOpenIsRefusedInEnforceModeAndReportedInAudit() {
        String send = py("fastopen", web.ip(), Integer.toString(web.port()));
        GuardedRun.Result enforce = GuardedRun.cordon(dir, dns).sh("echo '== tfo'; " + send);
        assertThat(enforce.section("tfo")).as(enforce.toString()).startsWith("fastopen errno=EPERM");
        ViolationLine l = enforce.lines("CONNECT", "BLOCKED").getFirst();
        assertThat(l.get("reason")).isEqualTo("TCPFastOpen");
        assertThat(l.get("rule")).isEqualTo("tcp-fastopen");
        assertThat(l.get("cmd")).isEqualTo(send);

        GuardedRun.Result audit = GuardedRun.cordon(dir, dns).opt("--mode", "audit").sh("echo '== tfo'; " + send);
        assertThat(audit.section("tfo")).as(audit.toString()).startsWith("fastopen ok HTTP/1.");
        assertThat(audit.lines("CONNECT", "AUDIT").getFirst().get("reason")).isEqualTo("TCPFastOpen");
    }

    @Test
    void aNameRehearsedAsDownFailsItsFirstSendAsRefused() {
        GuardedRun.Result r = GuardedRun.cordon(dir, dns).opt("--simulate-outage", "down.test", "--outage-wait", "1s").sh("""
                echo "== down"; %1$s
                """.formatted(timedCurl("-k --resolve " + tls4.resolve("api.down.test") + " " + tls4.url("api.down.test"))));

        assertThat(r.section("down")).as(r.toString()).contains("rc=35");
        assertThat(ms(r.section("down"))).isLessThan(2000);
        ViolationLine l = only(r, "TLS", "OUTAGE", "api.down.test.");
        assertThat(l.get("rule")).isEqualTo("outage:down.test");
        assertThat(l.get("waitEnd")).isEqualTo("refused");
    }

    /**
     * cordon guard's SIGHUP puts a new domain policy into the kernel's name trie with no gap: a
     * client sending Host headers without pause sees a name denied by both policies refused at every
     * moment, and a name the new policy denies allowed until the flip and refused from then on.
     */
    @Test
    void aGuardReloadFlipsTheNamesWithNoGapAndBack() throws IOException {
        Path home = kernel.dir();
        TestCgroup cg = kernel.closeAfter(TestCgroup.create(kernel.cgroupRoot()));
        CgroupShell shell = cg.shell(cg.child("task"), home);
        Path policy = Files.writeString(home.resolve("policy.yaml"), "version: 1\ndeny:\n  domains: [stays.test]\n");
        CordonProcess guard = kernel.start("guard", "--cgroup", cg.path().toString(), "--policy", policy.toString(),
                "--upstream", dns.upstream());
        Duration wait = Duration.ofSeconds(30);
        Await.require(wait, "the guard to start", () -> guard.stderrSoFar().contains("cordon: guarding ") || !guard.isAlive(),
                guard::toString);
        Path log = home.resolve("flip.log"), stop = home.resolve("flip.stop");
        Path loop = Files.writeString(home.resolve("flip.py"), FLIP_LOOP);
        shell.run("python3 " + loop + " " + web.ip() + " " + web.port() + " " + log + " " + stop + " &", wait);
        Await.require(wait, "the loop's first allowed flips.test", () -> read(log).contains("flips.test ok"), () -> read(log));
        Files.writeString(policy, "version: 1\ndeny:\n  domains: [stays.test, flips.test]\n");
        guard.signal("HUP");
        Await.require(wait, "the reload", () -> guard.stderrSoFar().contains("cordon: reloaded " + policy), guard::toString);
        Await.require(wait, "the loop to see flips.test refused", () -> read(log).contains("flips.test err13"), () -> read(log));
        // and back: the first generation's table is emptied and filled again
        Files.writeString(policy, "version: 1\ndeny:\n  domains: [stays.test]\n");
        guard.signal("HUP");
        Await.require(wait, "the second reload", () -> guard.stderrSoFar().split("cordon: reloaded ", -1).length == 3, guard::toString);
        Await.require(wait, "the loop to see flips.test allowed again",
                () -> read(log).indexOf("flips.test ok", read(log).indexOf("flips.test err13")) >= 0, () -> read(log));
        Files.createFile(stop);
        shell.run("wait", wait);
        guard.signal("TERM");
        assertThat(guard.await(wait).exitCode()).isZero();

        List<String> attempts = read(log).lines().toList();
        assertThat(attempts).filteredOn(l -> l.startsWith("stays.test ")).as("denied by both policies, at every moment")
                .isNotEmpty().allMatch(l -> l.equals("stays.test err13"));
        List<String> flipped = attempts.stream().filter(l -> l.startsWith("flips.test ")).toList();
        int first = flipped.indexOf("flips.test err13");
        assertThat(flipped.subList(0, first)).as("allowed until the flip").isNotEmpty().allMatch(l -> l.equals("flips.test ok"));
        int back = flipped.subList(first, flipped.size()).indexOf("flips.test ok") + first;
        assertThat(flipped.subList(first, back)).as("refused from the flip to the flip back").allMatch(l -> l.equals("flips.test err13"));
        assertThat(flipped.subList(back, flipped.size())).as("allowed from the flip back on").allMatch(l -> l.equals("flips.test ok"));
    }

    private static final String FLIP_LOOP = """
            import os, socket, sys, time
            ip, port, log, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
            end = time.monotonic() + 60
            with open(log, "w", buffering=1) as out:
                while not os.path.exists(stop) and time.monotonic() < end:
                    for name in ("stays.test", "flips.test"):
                        s = socket.create_connection((ip, port), timeout=5)
                        try:
                            s.sendall(("GET / HTTP/1.1\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n" % name).encode())
                            s.recv(100)
                            out.write(name + " ok\\n")
                        except OSError as e:
                            out.write("%s err%d\\n" % (name, e.errno or 0))
                        finally:
                            s.close()
            """;

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
