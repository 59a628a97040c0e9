package dev.cordon.events;

import dev.cordon.policy.Reasons;
import dev.cordon.policy.Mode;
import dev.cordon.testing.Json;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every line and record that names a process names the file it runs, whatever its argv[0] says. */
class ExecutableFormatsTest {
    private static final Instant T = Instant.parse("2025-01-02T03:04:05Z");
    private static final Executable CURL = new Executable("/usr/bin/curl", Executable.Source.EXEC, false);
    private static final List<String> FORGED = List.of("innocent", "-sS", "http://github.com/");

    private static ProcessTable.Attribution who(String task, Executable exe) {
        return new ProcessTable.Attribution(4242, 4200, FORGED, ProcessTable.Source.EXEC, task, exe);
    }

    private static NetAttempt connect(ProcessTable.Attribution who) {
        NetEvent e = new NetEvent(1_000L, new ProcessRef(4242, 4243, "innocent", 777L), Hook.CONNECT, Verdict.BLOCKED, 0,
                false, NetEvent.IPPROTO_TCP, 80, false, new byte[]{(byte) 140, 82, 112, 3});
        return new NetAttempt(T, e, who, "github.com", Mode.ENFORCE, "github.com.");
    }

    private static DnsEvent query(ProcessTable.Attribution who) {
        return new DnsEvent(T, "github.com.", "A", Verdict.BLOCKED, Reasons.FROM_DNS_REQUEST, "github.com.", "github.com",
                who, Mode.ENFORCE, "blocklist", "udp", List.of());
    }

    @Test
    void linesNameTheExecutableAfterTheCommandAndTask() {
        assertThat(Formats.logfmt(connect(who(null, CURL)))).isEqualTo(
                "WARN CONNECT BLOCKED blocked=true blockedAt=connect ip=140.82.112.3 port=80 proto=tcp domain=github.com. "
                        + "pid=4242 cmd=\"innocent -sS http://github.com/\" exe=/usr/bin/curl rule=github.com mode=enforce");
        assertThat(Formats.logfmt(query(who("deploy@42.service", CURL)))).isEqualTo(
                "WARN DNS BLOCKED reason=FromDNSRequest blocked=true blockedAt=dns domain=github.com. pid=4242 "
                        + "cmd=\"innocent -sS http://github.com/\" task=deploy@42.service exe=/usr/bin/curl "
                        + "firewallMethod=blocklist qtype=A rule=github.com mode=enforce");
    }

    @Test
    void anUnknownExecutableIsLeftOutOfLinesAndNullInRecords() {
        assertThat(Formats.logfmt(connect(who(null, null)))).doesNotContain("exe=");
        assertThat(Formats.logfmt(query(who(null, null)))).doesNotContain("exe=");
        assertThat(Json.parseObject(Formats.json(query(who(null, null))))).containsEntry("exe", null).containsEntry("exeSource", null);
        assertThat(Json.parseObject(Formats.json(connect(who(null, null))))).containsEntry("exe", null).containsEntry("exeSource", null);
    }

    @Test
    void recordsNameTheExecutableAndHowItWasLearned() {
        Map<String, Object> dns = Json.parseObject(Formats.json(query(who(null, CURL))));
        assertThat(dns).containsEntry("cmd", "innocent -sS http://github.com/").containsEntry("exe", "/usr/bin/curl")
                .containsEntry("exeSource", "exec");
        Executable fromProc = new Executable("/usr/bin/bash", Executable.Source.PROC, false);
        assertThat(Json.parseObject(Formats.json(connect(who(null, fromProc))))).containsEntry("exe", "/usr/bin/bash")
                .containsEntry("exeSource", "proc");
        Executable inherited = CURL.from(Executable.Source.PARENT);
        assertThat(Json.parseObject(Formats.json(connect(who(null, inherited))))).containsEntry("exeSource", "parent");
    }

    @Test
    void aCutPathStartsWithDotsEverywhere() {
        Executable cut = new Executable("/directory40/t", Executable.Source.EXEC, true);
        assertThat(Formats.logfmt(query(who(null, cut)))).contains(" exe=.../directory40/t ");
        assertThat(Json.parseObject(Formats.json(query(who(null, cut))))).containsEntry("exe", ".../directory40/t");
        ExecEvent exec = new ExecEvent(0L, new ProcessRef(77, 77, "t", 5L), 76, List.of("t"), false, cut, null);
        assertThat(Json.parseObject(Formats.json(T, exec, who(null, cut)))).containsEntry("exe", ".../directory40/t");
    }

    @Test
    void aRefusedExecNamesTheFileOfTheProcessThatTried() {
        ExecDenial denied = new ExecDenial(T, new ExecDeniedEvent(0L, new ProcessRef(42, 42, "innocent", 7L), 1, 1,
                ExecDeniedEvent.AT_FDCWD, 0, "/usr/bin/ping", false), who(null, CURL), "/usr/bin/ping", List.of(), List.of(), null);
        assertThat(Json.parseObject(Formats.json(denied))).containsEntry("exe", "/usr/bin/curl").containsEntry("exeSource", "exec")
                .containsEntry("path", "/usr/bin/ping");
    }
}
