package dev.cordon.events;

import dev.cordon.policy.Mode;
import dev.cordon.testing.Json;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Golden tests: the exact text users and machines get. */
class FormatsTest {
    private static final Instant T = Instant.parse("2025-01-02T03:04:05.123456789Z");

    /** argv of a hostile command: an ANSI colour escape, a newline that tries to forge a log line, quotes. */
    private static final List<String> EVIL_ARGV = List.of("sh", "-c",
            "printf '\u001b[31mpwned\u001b[0m'\nWARN CONNECT BLOCKED fake=\"1\"");

    /** A file name may hold anything but '/' and NUL: an escape, a line break, a forged field. */
    private static final String EVIL_EXE = "/tmp/x\u001b[31m\nWARN CONNECT BLOCKED exe=\"/usr/bin/true\"";

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) v[i];
        return out;
    }

    private static NetAttempt blockedConnect() {
        NetEvent e = new NetEvent(1_000L, new ProcessRef(4242, 4243, "curl", 777L), Hook.CONNECT, Verdict.BLOCKED, 0,
                false, NetEvent.IPPROTO_TCP, 8080, false, b(127, 0, 0, 2));
        var who = new ProcessTable.Attribution(4242, 4200, List.of("curl", "-sS", "http://127.0.0.2:8080/"),
                ProcessTable.Source.EXEC, null, new Executable("/usr/bin/curl", Executable.Source.EXEC, false));
        return new NetAttempt(T, e, who, "127.0.0.2/32", Mode.ENFORCE);
    }

    private static NetAttempt auditedSendmsgFromEvilCommand() {
        NetEvent e = new NetEvent(2_000L, new ProcessRef(31337, 31338, "sh\u001b[2J", -1L), Hook.SENDMSG,
                Verdict.AUDITED, 0xffffffff, false, NetEvent.IPPROTO_UDP, 9999, false, b(203, 0, 113, 9));
        var who = new ProcessTable.Attribution(31337, 1, EVIL_ARGV, ProcessTable.Source.PROC, null,
                new Executable(EVIL_EXE, Executable.Source.PROC, false));
        return new NetAttempt(T, e, who, "default:deny", Mode.AUDIT);
    }

    private static NetAttempt mappedConnect() {
        NetEvent e = new NetEvent(3_000L, new ProcessRef(500, 501, "python3", 9L), Hook.CONNECT, Verdict.BLOCKED, 1,
                true, NetEvent.IPPROTO_TCP, 443, true, b(10, 1, 2, 3));
        var who = new ProcessTable.Attribution(500, 499, List.of("python3", "fetch.py"), ProcessTable.Source.EXEC, null,
                new Executable("/usr/lib/very/long/path/python3.11", Executable.Source.EXEC, true));
        return new NetAttempt(T, e, who, "10.0.0.0/8", Mode.ENFORCE);
    }

    private static NetAttempt v6Connect() {
        NetEvent e = new NetEvent(4_000L, new ProcessRef(600, 600, "wget", 10L), Hook.CONNECT, Verdict.BLOCKED, 2,
                true, NetEvent.IPPROTO_TCP, 80, false, b(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
        var who = new ProcessTable.Attribution(600, 0, List.of("wget"), ProcessTable.Source.COMM);
        return new NetAttempt(T, e, who, "2001:db8::/32", Mode.ENFORCE);
    }

    private static NetAttempt allowedConnect() {
        NetEvent e = new NetEvent(5_000L, new ProcessRef(700, 700, "git", 11L), Hook.CONNECT, Verdict.ALLOWED, 0,
                false, 132, 22, false, b(192, 0, 2, 1)); // 132 = SCTP: shown as a number
        var who = new ProcessTable.Attribution(700, 1, List.of("git", "fetch"), ProcessTable.Source.EXEC);
        return new NetAttempt(T, e, who, "loopback", Mode.AUDIT);
    }

    // --- logfmt

    @Test
    void blockedConnectLine() {
        assertThat(Formats.logfmt(blockedConnect())).isEqualTo(
                "WARN CONNECT BLOCKED blocked=true blockedAt=connect ip=127.0.0.2 port=8080 proto=tcp pid=4242 "
                        + "cmd=\"curl -sS http://127.0.0.2:8080/\" exe=/usr/bin/curl rule=127.0.0.2/32 mode=enforce");
    }

    @Test
    void auditedSendmsgLineEscapesTheHostileCommand() {
        String line = Formats.logfmt(auditedSendmsgFromEvilCommand());
        assertThat(line).isEqualTo(
                "WARN SENDMSG AUDIT blocked=false blockedAt=sendmsg ip=203.0.113.9 port=9999 proto=udp pid=31337 "
                        + "cmd=\"sh -c printf '\\x1b[31mpwned\\x1b[0m'\\nWARN CONNECT BLOCKED fake=\\\"1\\\"\" "
                        + "exe=\"/tmp/x\\x1b[31m\\nWARN CONNECT BLOCKED exe=\\\"/usr/bin/true\\\"\" "
                        + "rule=default:deny mode=audit");
        assertThat(line).doesNotContain("\n", "\r", "\u001b");
    }

    @Test
    void mappedConnectLineSaysSo() {
        assertThat(Formats.logfmt(mappedConnect())).isEqualTo(
                "WARN CONNECT BLOCKED blocked=true blockedAt=connect ip=10.1.2.3 port=443 proto=tcp ipv6Mapped=true "
                        + "pid=500 cmd=\"python3 fetch.py\" exe=.../usr/lib/very/long/path/python3.11 rule=10.0.0.0/8 mode=enforce");
    }

    @Test
    void v6ConnectLine() {
        assertThat(Formats.logfmt(v6Connect())).isEqualTo(
                "WARN CONNECT BLOCKED blocked=true blockedAt=connect ip=2001:db8::1 port=80 proto=tcp pid=600 "
                        + "cmd=wget rule=2001:db8::/32 mode=enforce");
    }

    @Test
    void allowedAttemptIsInfo() {
        assertThat(Formats.logfmt(allowedConnect())).isEqualTo(
                "INFO CONNECT ALLOWED blocked=false blockedAt=connect ip=192.0.2.1 port=22 proto=132 pid=700 "
                        + "cmd=\"git fetch\" rule=loopback mode=audit");
    }

    // --- JSON Lines

    private static NetAttempt packetSocket(Verdict v, int errno, Mode mode) {
        NetEvent e = new NetEvent(6_000L, new ProcessRef(800, 800, "python3", 12L), Hook.SOCKET, v, 0xfffffffa,
                false, 0, 0, false, b(0, 0, 0, 0), 0, new SocketInfo(SocketInfo.AF_PACKET, SocketInfo.SOCK_RAW, 0x0300, errno));
        var who = new ProcessTable.Attribution(800, 799, List.of("python3", "sniff.py"), ProcessTable.Source.EXEC);
        return new NetAttempt(T, e, who, "packet-socket", mode);
    }

    @Test
    void packetSocketLineNamesTheFamilyAndTheEthertype() {
        assertThat(Formats.logfmt(packetSocket(Verdict.BLOCKED, 1, Mode.ENFORCE))).isEqualTo(
                "WARN SOCKET BLOCKED blocked=true blockedAt=socket socket=raw family=packet proto=all pid=800 "
                        + "cmd=\"python3 sniff.py\" rule=packet-socket mode=enforce");
        assertThat(Formats.logfmt(packetSocket(Verdict.AUDITED, 0, Mode.AUDIT))).startsWith(
                "WARN SOCKET AUDIT blocked=false blockedAt=socket socket=raw family=packet proto=all pid=800 ");
    }

    @Test
    void packetSocketJson() {
        Map<String, Object> o = Json.parseObject(Formats.json(packetSocket(Verdict.BLOCKED, 1, Mode.ENFORCE)));
        assertThat(o).containsEntry("type", "socket").containsEntry("verdict", "blocked").containsEntry("family", "packet")
                .containsEntry("socketType", "raw").containsEntry("proto", "all").containsEntry("errno", new BigInteger("1"))
                .containsEntry("rule", "packet-socket").containsEntry("cmd", "python3 sniff.py");
    }

    private static NetAttempt blockedTlsWithEch() {
        NetEvent e = new NetEvent(6_000L, new ProcessRef(800, 801, "curl", 12L), Hook.TLS, Verdict.BLOCKED, 3, false,
                NetEvent.IPPROTO_TCP, 8443, false, b(127, 0, 0, 1), 0L, null, new FirstBytes("blocked.test", true));
        var who = new ProcessTable.Attribution(800, 700, List.of("curl", "-k", "https://blocked.test:8443/"),
                ProcessTable.Source.EXEC);
        return new NetAttempt(T, e, who, "blocked.test", Mode.ENFORCE, "blocked.test.", null, "FromTLSSNI");
    }

    @Test
    void blockedTlsLineNamesTheSniAndTheEncryptedClientHello() {
        assertThat(Formats.logfmt(blockedTlsWithEch())).isEqualTo(
                "WARN TLS BLOCKED reason=FromTLSSNI blocked=true blockedAt=tls ip=127.0.0.1 port=8443 proto=tcp "
                        + "domain=blocked.test. ech=true pid=800 cmd=\"curl -k https://blocked.test:8443/\" "
                        + "rule=blocked.test mode=enforce");
    }

    @Test
    void blockedTlsJsonCarriesReasonDomainAndEch() {
        Map<String, Object> o = Json.parseObject(Formats.json(blockedTlsWithEch()));
        assertThat(o).containsEntry("type", "tls").containsEntry("verdict", "blocked").containsEntry("blockedAt", "tls")
                .containsEntry("reason", "FromTLSSNI").containsEntry("domain", "blocked.test.").containsEntry("ech", true)
                .containsEntry("port", BigInteger.valueOf(8443)).containsEntry("pid", BigInteger.valueOf(800))
                .containsEntry("rule", "blocked.test");
    }

    @Test
    void blockedConnectJson() {
        String json = Formats.json(blockedConnect());
        assertThat(json).isEqualTo("{\"time\":\"2025-01-02T03:04:05.123456789Z\",\"type\":\"connect\",\"verdict\":\"blocked\","
                + "\"blocked\":true,\"blockedAt\":\"connect\",\"ip\":\"127.0.0.2\",\"port\":8080,\"proto\":\"tcp\","
                + "\"family\":\"ipv4\",\"ipv6Mapped\":false,\"pid\":4242,\"tid\":4243,\"ppid\":4200,\"comm\":\"curl\","
                + "\"cmd\":\"curl -sS http://127.0.0.2:8080/\",\"argv\":[\"curl\",\"-sS\",\"http://127.0.0.2:8080/\"],"
                + "\"cmdSource\":\"exec\",\"exe\":\"/usr/bin/curl\",\"exeSource\":\"exec\","
                + "\"rule\":\"127.0.0.2/32\",\"mode\":\"enforce\",\"cgroupId\":777}");
        Map<String, Object> o = Json.parseObject(json);
        assertThat(o).containsEntry("port", BigInteger.valueOf(8080)).containsEntry("blocked", true)
                .containsEntry("argv", List.of("curl", "-sS", "http://127.0.0.2:8080/"));
    }

    @Test
    void auditedSendmsgJsonEscapesTheHostileCommandAndRoundTrips() {
        String json = Formats.json(auditedSendmsgFromEvilCommand());
        assertThat(json).isEqualTo("{\"time\":\"2025-01-02T03:04:05.123456789Z\",\"type\":\"sendmsg\",\"verdict\":\"audited\","
                + "\"blocked\":false,\"blockedAt\":\"sendmsg\",\"ip\":\"203.0.113.9\",\"port\":9999,\"proto\":\"udp\","
                + "\"family\":\"ipv4\",\"ipv6Mapped\":false,\"pid\":31337,\"tid\":31338,\"ppid\":1,"
                + "\"comm\":\"sh\\u001b[2J\","
                + "\"cmd\":\"sh -c printf '\\u001b[31mpwned\\u001b[0m'\\nWARN CONNECT BLOCKED fake=\\\"1\\\"\","
                + "\"argv\":[\"sh\",\"-c\",\"printf '\\u001b[31mpwned\\u001b[0m'\\nWARN CONNECT BLOCKED fake=\\\"1\\\"\"],"
                + "\"cmdSource\":\"proc\",\"exe\":\"/tmp/x\\u001b[31m\\nWARN CONNECT BLOCKED exe=\\\"/usr/bin/true\\\"\","
                + "\"exeSource\":\"proc\",\"rule\":\"default:deny\",\"mode\":\"audit\",\"cgroupId\":18446744073709551615}");
        assertThat(json).doesNotContain("\n", "\u001b");
        Map<String, Object> o = Json.parseObject(json);
        assertThat(o.get("argv")).isEqualTo(EVIL_ARGV);
        assertThat(o.get("cmd")).isEqualTo(String.join(" ", EVIL_ARGV));
        assertThat(o.get("comm")).isEqualTo("sh\u001b[2J");
        assertThat(o.get("exe")).isEqualTo(EVIL_EXE);
        assertThat(o.get("cgroupId")).isEqualTo(new BigInteger("18446744073709551615"));
    }

    @Test
    void mappedConnectJson() {
        assertThat(Formats.json(mappedConnect())).isEqualTo("{\"time\":\"2025-01-02T03:04:05.123456789Z\",\"type\":\"connect\","
                + "\"verdict\":\"blocked\",\"blocked\":true,\"blockedAt\":\"connect\",\"ip\":\"10.1.2.3\",\"port\":443,"
                + "\"proto\":\"tcp\",\"family\":\"ipv4\",\"ipv6Mapped\":true,\"pid\":500,\"tid\":501,\"ppid\":499,"
                + "\"comm\":\"python3\",\"cmd\":\"python3 fetch.py\",\"argv\":[\"python3\",\"fetch.py\"],"
                + "\"cmdSource\":\"exec\",\"exe\":\".../usr/lib/very/long/path/python3.11\",\"exeSource\":\"exec\","
                + "\"rule\":\"10.0.0.0/8\",\"mode\":\"enforce\",\"cgroupId\":9}");
    }

    @Test
    void v6ConnectJson() {
        assertThat(Formats.json(v6Connect())).isEqualTo("{\"time\":\"2025-01-02T03:04:05.123456789Z\",\"type\":\"connect\","
                + "\"verdict\":\"blocked\",\"blocked\":true,\"blockedAt\":\"connect\",\"ip\":\"2001:db8::1\",\"port\":80,"
                + "\"proto\":\"tcp\",\"family\":\"ipv6\",\"ipv6Mapped\":false,\"pid\":600,\"tid\":600,\"ppid\":0,"
                + "\"comm\":\"wget\",\"cmd\":\"wget\",\"argv\":[\"wget\"],"
                + "\"cmdSource\":\"comm\",\"exe\":null,\"exeSource\":null,\"rule\":\"2001:db8::/32\",\"mode\":\"enforce\","
                + "\"cgroupId\":10}");
    }

    @Test
    void everyRecordIsOneValidJsonObject() {
        for (NetAttempt a : List.of(blockedConnect(), auditedSendmsgFromEvilCommand(), mappedConnect(), v6Connect(), allowedConnect())) {
            String json = Formats.json(a);
            assertThat(json).doesNotContain("\n");
            Map<String, Object> o = Json.parseObject(json);
            assertThat(o).containsKeys("time", "type", "verdict", "ip", "port", "pid", "cmd", "argv", "rule", "mode");
            assertThat(o.get("ip")).isEqualTo(a.event().ip());
            assertThat(o.get("argv")).isEqualTo(a.who().argv());
        }
    }

    @Test
    void execRecord() {
        ExecEvent e = new ExecEvent(42L, new ProcessRef(77, 77, "sh", 5L), 76, EVIL_ARGV, true,
                new Executable("/usr/bin/dash", Executable.Source.EXEC, false), EVIL_EXE);
        String json = Formats.json(T, e, new ProcessTable.Attribution(77, 76, EVIL_ARGV, ProcessTable.Source.EXEC));
        assertThat(json).isEqualTo("{\"time\":\"2025-01-02T03:04:05.123456789Z\",\"type\":\"exec\",\"pid\":77,\"ppid\":76,"
                + "\"comm\":\"sh\",\"cmd\":\"sh -c printf '\\u001b[31mpwned\\u001b[0m'\\nWARN CONNECT BLOCKED fake=\\\"1\\\"\","
                + "\"argv\":[\"sh\",\"-c\",\"printf '\\u001b[31mpwned\\u001b[0m'\\nWARN CONNECT BLOCKED fake=\\\"1\\\"\"],"
                + "\"argvTruncated\":true,\"exe\":\"/usr/bin/dash\","
                + "\"script\":\"/tmp/x\\u001b[31m\\nWARN CONNECT BLOCKED exe=\\\"/usr/bin/true\\\"\",\"cgroupId\":5}");
        assertThat(Json.parseObject(json)).containsEntry("argv", EVIL_ARGV).containsEntry("argvTruncated", true)
                .containsEntry("exe", "/usr/bin/dash").containsEntry("script", EVIL_EXE);
    }

    @Test
    void execRecordWithNoArgv() {
        ExecEvent e = new ExecEvent(42L, new ProcessRef(78, 78, "kworker", 5L), 2, List.of(), false, null, null);
        Map<String, Object> o = Json.parseObject(Formats.json(T, e, new ProcessTable.Attribution(78, 2, List.of("kworker"), ProcessTable.Source.EXEC)));
        assertThat(o).containsEntry("argv", List.of()).containsEntry("cmd", "").containsEntry("exe", null).doesNotContainKey("script");
    }
}
