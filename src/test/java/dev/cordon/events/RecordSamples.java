package dev.cordon.events;

import dev.cordon.policy.Reasons;
import dev.cordon.policy.Mode;

import java.time.Instant;
import java.util.List;

/**
 * Attempts and queries with every optional field both present and absent: a blocked connect, a hostile command
 * line, a mapped IPv6 address, a raw and a packet socket, an outage wait, a task, a CNAME chain, an unknown sender,
 * script lines (a chain, a trap, a hostile file name).
 * The events file and the OTLP export are checked against the same samples.
 */
public final class RecordSamples {
    public static final Instant T = Instant.parse("2025-01-02T03:04:05.123456789Z");

    private RecordSamples() {}

    private static final Executable CURL = new Executable("/usr/bin/curl", Executable.Source.EXEC, false);

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) v[i];
        return out;
    }

    /** A script file's name is untrusted too. */
    private static final ScriptLine HOSTILE_TRAP = new ScriptLine("x\u001b[31m\nline=\"ci.sh:1\".sh", 0, "EXIT")
            .startedFrom(new ScriptLine("./ci.sh", 3));
    private static final ScriptLine CHAIN = new ScriptLine("./lib.sh", 6).startedFrom(new ScriptLine("./deploy.sh", 12));

    private static ProcessTable.Attribution who(int pid, List<String> argv, String task, Executable exe) {
        return who(pid, argv, task, exe, null);
    }

    private static ProcessTable.Attribution who(int pid, List<String> argv, String task, Executable exe, ScriptLine line) {
        return new ProcessTable.Attribution(pid, pid - 42, argv, ProcessTable.Source.EXEC, task, exe, line);
    }

    public static List<NetAttempt> attempts() {
        NetEvent connect = new NetEvent(1_000L, new ProcessRef(4242, 4243, "curl", 777L), Hook.CONNECT, Verdict.BLOCKED, 0,
                false, NetEvent.IPPROTO_TCP, 443, false, b(140, 82, 112, 3));
        NetEvent hostile = new NetEvent(2_000L, new ProcessRef(31337, 31338, "sh\u001b[2J", -1L), Hook.SENDMSG, Verdict.AUDITED,
                0xffffffff, false, NetEvent.IPPROTO_UDP, 9999, false, b(203, 0, 113, 9));
        NetEvent mapped = new NetEvent(3_000L, new ProcessRef(500, 501, "python3", 9L), Hook.CONNECT, Verdict.BLOCKED, 1,
                true, NetEvent.IPPROTO_TCP, 443, true, b(10, 1, 2, 3));
        NetEvent raw = new NetEvent(4_000L, new ProcessRef(600, 600, "ping", 10L), Hook.SOCKET, Verdict.BLOCKED, 2,
                false, NetEvent.IPPROTO_ICMP, 0, false, b(0, 0, 0, 0), 0,
                new SocketInfo(SocketInfo.AF_INET, SocketInfo.SOCK_RAW, NetEvent.IPPROTO_ICMP, 1));
        NetEvent outage = new NetEvent(5_000L, new ProcessRef(700, 701, "git", 11L), Hook.CONNECT, Verdict.OUTAGE, 3,
                true, NetEvent.IPPROTO_TCP, 22, false, b(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
        NetEvent allowed = new NetEvent(6_000L, new ProcessRef(800, 800, "git", 12L), Hook.CONNECT, Verdict.ALLOWED, 4,
                false, NetEvent.IPPROTO_TCP, 443, false, b(192, 0, 2, 1));
        return List.of(
                new NetAttempt(T, connect, who(4242, List.of("curl", "-sS", "https://github.com/"), null, CURL), "github.com",
                        Mode.ENFORCE, "github.com."),
                new NetAttempt(T, hostile, who(31337, List.of("sh", "-c", "printf '\u001b[31mpwned'\nWARN CONNECT BLOCKED fake=\"1\""),
                        "deploy@42.service", new Executable("/tmp/x\u001b[31m\nexe=\"/usr/bin/true\"", Executable.Source.PROC, false),
                        HOSTILE_TRAP),
                        "default:deny", Mode.AUDIT),
                new NetAttempt(T, mapped, who(500, List.of("python3", "fetch.py"), null,
                        new Executable("/very/long/path/python3.11", Executable.Source.EXEC, true)), "10.0.0.0/8", Mode.ENFORCE),
                new NetAttempt(T, raw, new ProcessTable.Attribution(600, 0, List.of("ping"), ProcessTable.Source.COMM), "raw-socket",
                        Mode.ENFORCE),
                new NetAttempt(T, outage, who(700, List.of("git", "fetch"), "job-7", null), "example.org", Mode.ENFORCE,
                        "example.org.", new OutageWait("timeout", 10_000, OutageWait.CLOSED)),
                new NetAttempt(T, allowed, who(800, List.of("git", "push"), null, CURL), "loopback", Mode.AUDIT)
                        .withReason("EncryptedDNS"));
    }

    public static List<DnsEvent> queries() {
        var unknown = new ProcessTable.Attribution(0, 0, List.of("?"), ProcessTable.Source.COMM);
        return List.of(
                new DnsEvent(T, "github.com.", "A", Verdict.BLOCKED, Reasons.FROM_DNS_REQUEST, "github.com.", "github.com",
                        who(4242, List.of("curl", "github.com"), null, CURL), Mode.ENFORCE, "blocklist", "udp", List.of("140.82.112.3")),
                new DnsEvent(T, "alias.internal.", "AAAA", Verdict.AUDITED, Reasons.FROM_DNS_RESPONSE_CNAME, "github.com.", "github.com",
                        who(31337, List.of("dig", "alias.internal"), "deploy@42.service", CURL, CHAIN), Mode.AUDIT, "allowlist", "tcp",
                        List.of("2001:db8::1"), null, List.of("github.com.")),
                new DnsEvent(T, "down.example.", "A", Verdict.OUTAGE, Reasons.SIMULATED_OUTAGE, null, "down.example", unknown,
                        Mode.ENFORCE, "blocklist", "udp", List.of(), new OutageWait("timeout", 2_500, OutageWait.ANSWERED)),
                new DnsEvent(T, "ok.internal.", "HTTPS", Verdict.ALLOWED, Reasons.FROM_DNS_REQUEST, null, "default:allow",
                        who(900, List.of("curl", "ok.internal"), null, CURL), Mode.ENFORCE, "blocklist", "udp", List.of()));
    }
}
