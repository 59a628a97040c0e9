package dev.cordon.events;

import dev.cordon.policy.Reasons;
import dev.cordon.policy.Mode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** line= on stderr, "line" in the events file: where a line is known, escaped like any untrusted string. */
class ScriptLineFormatsTest {
    private static final Instant T = Instant.parse("2026-11-21T10:00:00Z");

    private static final Executable CURL = new Executable("/usr/bin/curl", Executable.Source.EXEC, false);

    private static ProcessTable.Attribution who(ScriptLine line) {
        return new ProcessTable.Attribution(4242, 4200, List.of("curl", "-sS", "https://github.com/"), ProcessTable.Source.EXEC,
                null, CURL, line);
    }

    private static NetAttempt connect(ScriptLine line) {
        NetEvent e = new NetEvent(1_000L, new ProcessRef(4242, 4243, "curl", 777L), Hook.CONNECT, Verdict.BLOCKED, 0,
                false, NetEvent.IPPROTO_TCP, 443, false, new byte[]{(byte) 140, 82, 112, 3});
        return new NetAttempt(T, e, who(line), "github.com", Mode.ENFORCE, "github.com.");
    }

    private static DnsEvent query(ScriptLine line) {
        return new DnsEvent(T, "github.com.", "A", Verdict.BLOCKED, Reasons.FROM_DNS_REQUEST, "github.com.", "github.com",
                who(line), Mode.ENFORCE, "blocklist", "udp", List.of());
    }

    @Test
    void theLineFollowsTheCommandAndTheExecutable() {
        ScriptLine nine = new ScriptLine("deploy.sh", 9);
        assertThat(Formats.logfmt(connect(nine)))
                .contains(" cmd=\"curl -sS https://github.com/\" exe=/usr/bin/curl line=deploy.sh:9 rule=github.com ");
        assertThat(Formats.logfmt(query(nine)))
                .contains(" cmd=\"curl -sS https://github.com/\" exe=/usr/bin/curl line=deploy.sh:9 firewallMethod=");
        ScriptLine chain = new ScriptLine("./lib.sh", 6).startedFrom(new ScriptLine("./deploy.sh", 12));
        assertThat(Formats.logfmt(connect(chain))).contains(" line=\"./deploy.sh:12 > ./lib.sh:6\" rule=");
        assertThat(Formats.logfmt(connect(null))).doesNotContain("line=");
    }

    @Test
    void aHostileFileNameCannotForgeALine() {
        ScriptLine evil = new ScriptLine("x\u001b[31m\nWARN CONNECT BLOCKED fake=\"1\".sh", 3);
        String line = Formats.logfmt(connect(evil));
        assertThat(line).doesNotContain("\n", "\u001b").contains(" line=\"x\\x1b[31m\\nWARN CONNECT BLOCKED fake=\\\"1\\\".sh:3\" rule=");
        assertThat(Formats.json(connect(evil))).doesNotContain("\n", "\u001b");
    }

    @Test
    void everyRecordOfAProcessCarriesItsLinesOutermostFirst() {
        ScriptLine chain = new ScriptLine("./lib.sh", 6).startedFrom(new ScriptLine("./deploy.sh", 12));
        String expected = "\"line\":[{\"file\":\"./deploy.sh\",\"line\":12},{\"file\":\"./lib.sh\",\"line\":6}],";
        ExecEvent exec = new ExecEvent(0L, new ProcessRef(4242, 4242, "curl", 5L), 4200, List.of("curl"), false, CURL, null);
        ExecDenial denied = new ExecDenial(T, new ExecDeniedEvent(0L, new ProcessRef(42, 42, "ping", 7L), 1, 1,
                ExecDeniedEvent.AT_FDCWD, 0, "/usr/bin/ping", false), who(chain), "/usr/bin/ping", List.of(), List.of(), null);
        for (String json : List.of(Formats.json(connect(chain)), Formats.json(query(chain)), Formats.json(denied))) {
            assertThat(json).as(json).contains("\"exe\":\"/usr/bin/curl\",\"exeSource\":\"exec\"," + expected);
        }
        assertThat(Formats.json(T, exec, who(chain))).contains("\"exe\":\"/usr/bin/curl\"," + expected);
        assertThat(Formats.json(connect(new ScriptLine("deploy.sh", 0, "EXIT"))))
                .contains("\"line\":[{\"file\":\"deploy.sh\",\"line\":null,\"trap\":\"EXIT\"}],");
        assertThat(Formats.json(connect(null))).doesNotContain("\"line\"");
    }
}
