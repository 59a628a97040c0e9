package dev.cordon.events;

import dev.cordon.policy.Mode;
import dev.cordon.policy.Reasons;
import dev.cordon.testing.Json;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The task (cordon guard) in every line and record that names a process; absent without one (FormatsTest). */
class TaskFormatsTest {
    private static final Instant T = Instant.parse("2025-01-02T03:04:05Z");
    private static final String TASK = "deploy@42.service";
    /** A cgroup's name may hold anything but '/' and NUL. */
    private static final String EVIL_TASK = "x\u001b[31m\nWARN CONNECT BLOCKED fake=\"1\".service";

    private static ProcessTable.Attribution execWho(String task) {
        return new ProcessTable.Attribution(77, 76, List.of("sh"), ProcessTable.Source.EXEC, task, null);
    }

    private static ProcessTable.Attribution who(String task) {
        return new ProcessTable.Attribution(4242, 4200, List.of("curl", "-sS", "https://github.com/"), ProcessTable.Source.EXEC, task, null);
    }

    private static NetAttempt connect(String task) {
        NetEvent e = new NetEvent(1_000L, new ProcessRef(4242, 4243, "curl", 777L), Hook.CONNECT, Verdict.BLOCKED, 0,
                false, NetEvent.IPPROTO_TCP, 443, false, new byte[]{(byte) 140, 82, 112, 3});
        return new NetAttempt(T, e, who(task), "github.com", Mode.ENFORCE, "github.com.");
    }

    private static DnsEvent query(String task) {
        return new DnsEvent(T, "github.com.", "A", Verdict.BLOCKED, Reasons.FROM_DNS_REQUEST, "github.com.", "github.com",
                who(task), Mode.ENFORCE, "blocklist", "udp", List.of());
    }

    @Test
    void logfmtLinesNameTheTaskRightAfterTheCommand() {
        assertThat(Formats.logfmt(connect(TASK))).isEqualTo(
                "WARN CONNECT BLOCKED blocked=true blockedAt=connect ip=140.82.112.3 port=443 proto=tcp domain=github.com. "
                        + "pid=4242 cmd=\"curl -sS https://github.com/\" task=deploy@42.service rule=github.com mode=enforce");
        assertThat(Formats.logfmt(query(TASK))).isEqualTo(
                "WARN DNS BLOCKED reason=FromDNSRequest blocked=true blockedAt=dns domain=github.com. pid=4242 "
                        + "cmd=\"curl -sS https://github.com/\" task=deploy@42.service firewallMethod=blocklist qtype=A "
                        + "rule=github.com mode=enforce");
    }

    @Test
    void theGuardedCgroupItselfAndAFallbackAreWrittenBare() {
        assertThat(Formats.logfmt(connect(TaskNames.GUARDED))).contains(" task=. rule=");
        assertThat(Formats.logfmt(query(TaskNames.fallback(12345)))).contains(" task=cgroup:12345 firewallMethod=");
    }

    @Test
    void aHostileTaskNameCannotForgeALine() {
        String line = Formats.logfmt(connect(EVIL_TASK));
        assertThat(line).contains(" task=\"x\\x1b[31m\\nWARN CONNECT BLOCKED fake=\\\"1\\\".service\" rule=")
                .doesNotContain("\n", "\u001b");
        String json = Formats.json(query(EVIL_TASK));
        assertThat(json).doesNotContain("\n", "\u001b");
        assertThat(Json.parseObject(json)).containsEntry("task", EVIL_TASK);
    }

    @Test
    void everyRecordOfAProcessCarriesTheTask() {
        ExecEvent exec = new ExecEvent(0L, new ProcessRef(77, 77, "sh", 5L), 76, List.of("sh", "-c", "true"), false, null, null);
        ExitEvent exit = new ExitEvent(0L, new ProcessRef(77, 77, "sh", 5L), 76, 0);
        ExecDenial denied = new ExecDenial(T, new ExecDeniedEvent(0L, new ProcessRef(42, 42, "ping", 7L), 1, 1,
                ExecDeniedEvent.AT_FDCWD, 0, "/usr/bin/ping", false), who(TASK), "/usr/bin/ping", List.of(), List.of(), null);
        for (String json : List.of(Formats.json(connect(TASK)), Formats.json(query(TASK)), Formats.json(T, exec, execWho(TASK)),
                Formats.json(T, exit, TASK), Formats.json(denied))) {
            assertThat(Json.parseObject(json)).as(json).containsEntry("task", TASK);
        }
        assertThat(Formats.json(T, exec, execWho(TASK))).endsWith(",\"argvTruncated\":false,\"exe\":null,\"task\":\"deploy@42.service\",\"cgroupId\":5}");
        assertThat(Formats.json(T, exit, TASK)).endsWith(",\"signal\":null,\"task\":\"deploy@42.service\",\"cgroupId\":5}");
    }

    @Test
    void withoutATaskThereIsNoField() {
        ExecEvent exec = new ExecEvent(0L, new ProcessRef(77, 77, "sh", 5L), 76, List.of("sh"), false, null, null);
        for (String json : List.of(Formats.json(connect(null)), Formats.json(query(null)), Formats.json(T, exec, execWho(null)),
                Formats.json(T, new ExitEvent(0L, new ProcessRef(77, 77, "sh", 5L), 76, 0), null))) {
            Map<String, Object> o = Json.parseObject(json);
            assertThat(o).as(json).doesNotContainKey("task");
        }
        assertThat(Formats.logfmt(connect(null))).doesNotContain("task=");
        assertThat(Formats.logfmt(query(null))).doesNotContain("task=");
    }
}
