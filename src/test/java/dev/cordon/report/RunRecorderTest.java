package dev.cordon.report;

import dev.cordon.events.DnsEvent;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.Executable;
import dev.cordon.events.ExitEvent;
import dev.cordon.events.OutageWait;
import dev.cordon.events.RunEnd;
import dev.cordon.events.RunStart;
import dev.cordon.events.Hook;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.NetEvent;
import dev.cordon.events.ProcessRef;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.Verdict;
import dev.cordon.policy.Mode;
import dev.cordon.policy.Reasons;
import dev.cordon.report.live.RunRecorder;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.render.SummaryRenderer;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The live path: the session's events into the same model the events file gives. */
class RunRecorderTest {
    private static final Instant T = Instant.parse("2026-11-21T10:00:00Z");

    private static ProcessTable.Attribution who(int pid, int ppid, String... argv) {
        return new ProcessTable.Attribution(pid, ppid, List.of(argv), ProcessTable.Source.EXEC);
    }

    private static NetAttempt connect(int pid, Verdict v, int port) {
        NetEvent e = new NetEvent(0, new ProcessRef(pid, pid, "curl", 1), Hook.CONNECT, v, 0, false, NetEvent.IPPROTO_TCP,
                port, false, new byte[]{(byte) 192, 0, 2, 1});
        return new NetAttempt(T.plusSeconds(2), e, who(pid, 10, "curl", "x"), "192.0.2.0/24", Mode.ENFORCE);
    }

    @Test
    void recordsARunAsTheEventsFileWould() {
        RunRecorder r = new RunRecorder();
        r.runStarted(new RunStart(T, "0.1.0", List.of("./deploy.sh"), "enforce", "allow", "blocklist", null,
                List.of("api.internal"), "timeout", 5000));
        r.exec(T, new ExecEvent(0, new ProcessRef(10, 10, "sh", 1), 1, List.of("sh", "./deploy.sh"), false, null, null),
                who(10, 1, "sh", "./deploy.sh"));
        r.exec(T.plusSeconds(1), new ExecEvent(0, new ProcessRef(11, 11, "curl", 1), 10, List.of("curl", "x"), false, null, null),
                who(11, 10, "curl", "x"));
        r.dns(new DnsEvent(T.plusSeconds(1), "GitHub.com.", "A", Verdict.BLOCKED, Reasons.FROM_DNS_REQUEST, "github.com.",
                "github.com", who(11, 10, "curl", "x"), Mode.ENFORCE, "blocklist", "udp", List.of()));
        r.attempt(connect(11, Verdict.BLOCKED, 443));
        r.dns(new DnsEvent(T.plusSeconds(3), "api.internal.", "A", Verdict.OUTAGE, Reasons.SIMULATED_OUTAGE, null,
                "outage", who(11, 10, "curl", "x"), Mode.ENFORCE, "blocklist", "udp", List.of(),
                new OutageWait("timeout", 5000, OutageWait.ANSWERED)));
        r.exit(T.plusSeconds(8), new ExitEvent(0, new ProcessRef(11, 11, "curl", 1), 10, 6 << 8), null);
        r.exit(T.plusSeconds(9), new ExitEvent(0, new ProcessRef(10, 10, "sh", 1), 1, 9), null);
        r.runEnded(new RunEnd(T.plusSeconds(9), 137, 137, 10, 9000, 3, 0, null, null));

        RunModel m = r.model();
        assertThat(m.run().firewallMethod()).isEqualTo("blocklist");
        assertThat(m.rootProcess().signal()).isEqualTo(9);
        assertThat(m.process(1).attempts()).hasSize(3);
        assertThat(SummaryRenderer.render(m)).isEqualTo("""
                cordon: 3 destinations: 2 blocked, 1 down (simulated outage)
                  blocked  192.0.2.1:443  1×              curl x
                  blocked  github.com     1×              curl x
                  outage   api.internal   1×  waited 5 s  curl x
                """);
    }

    @Test
    void theExecutableOfEveryEventReachesTheModelAndTheSummary() {
        RunRecorder r = new RunRecorder();
        Executable curl = new Executable("/usr/bin/curl", Executable.Source.EXEC, false);
        r.exec(T, new ExecEvent(0, new ProcessRef(11, 11, "innocent", 1), 10, List.of("innocent", "-sS", "http://github.com/"), false,
                curl, null), who(11, 10, "innocent", "-sS", "http://github.com/").withExe(curl));
        r.dns(new DnsEvent(T.plusSeconds(1), "github.com.", "A", Verdict.BLOCKED, Reasons.FROM_DNS_REQUEST, "github.com.",
                "github.com", who(11, 10, "innocent", "-sS", "http://github.com/").withExe(curl), Mode.ENFORCE, "blocklist", "udp",
                List.of()));
        NetAttempt fork = connect(12, Verdict.BLOCKED, 443); // a fork first seen at its attempt: /proc named it
        r.attempt(new NetAttempt(fork.time(), fork.event(), fork.who().withExe(curl.from(Executable.Source.PROC)), fork.rule(),
                fork.mode()));

        RunModel m = r.model();
        assertThat(m.processes()).extracting(p -> p.pid() + " " + p.exe()).containsExactlyInAnyOrder("11 /usr/bin/curl", "12 /usr/bin/curl");
        assertThat(m.attempts()).extracting(a -> a.exe()).containsOnly("/usr/bin/curl");
        assertThat(SummaryRenderer.render(m)).isEqualTo("""
                cordon: 2 destinations: 2 blocked
                  blocked  192.0.2.1:443  1×  curl x
                  blocked  github.com     1×  innocent -sS http://github.com/ (exe /usr/bin/curl)
                """);
    }

    @Test
    void theTaskOfEveryEventReachesTheModel() {
        RunRecorder r = new RunRecorder();
        r.exec(T, new ExecEvent(0, new ProcessRef(10, 10, "sh", 41), 1, List.of("sh", "./deploy.sh"), false, null, null),
                who(10, 1, "sh", "./deploy.sh").withTask("deploy@41.service"));
        r.dns(new DnsEvent(T.plusSeconds(1), "github.com.", "A", Verdict.BLOCKED, Reasons.FROM_DNS_REQUEST, "github.com.",
                "github.com", who(10, 1, "sh", "./deploy.sh").withTask("deploy@41.service"), Mode.ENFORCE, "blocklist", "udp",
                List.of()));
        NetAttempt other = connect(20, Verdict.BLOCKED, 443);
        r.attempt(new NetAttempt(other.time(), other.event(), other.who().withTask("deploy@42.service"), other.rule(), other.mode()));
        r.exit(T.plusSeconds(3), new ExitEvent(0, new ProcessRef(30, 30, "true", 43), 1, 0), "deploy@43.service");

        RunModel m = r.model();
        assertThat(m.processes()).extracting(p -> p.task())
                .containsExactlyInAnyOrder("deploy@41.service", "deploy@42.service", "deploy@43.service");
        assertThat(m.attempts()).extracting(a -> a.task()).containsExactly("deploy@41.service", "deploy@42.service");
    }

    @Test
    void pastCapacityKeepsViolationsForAWhileAndCountsWhatItDropped() {
        RunRecorder r = new RunRecorder(8);
        for (int i = 0; i < 20; i++) r.attempt(connect(11, Verdict.ALLOWED, 1000 + i));
        for (int i = 0; i < 5; i++) r.attempt(connect(11, Verdict.BLOCKED, 2000 + i));
        RunModel m = r.model();
        assertThat(m.rootProcess().attempts()).hasSize(8 + 2);
        assertThat(m.droppedRecords()).isEqualTo(12 + 3);
        assertThat(SummaryRenderer.render(m)).endsWith("cordon: 15 events were dropped; this summary is incomplete\n");
    }

    @Test
    void nothingToSayPrintsNothing() {
        RunRecorder r = new RunRecorder();
        r.attempt(connect(11, Verdict.ALLOWED, 443));
        assertThat(SummaryRenderer.render(r.model())).isEmpty();
    }

    @Test
    void theSummaryRecorderKeepsNoAllowedAttemptButTheSameSummary() {
        RunRecorder full = new RunRecorder(), summary = RunRecorder.forSummary();
        for (RunRecorder r : List.of(full, summary)) {
            for (int i = 0; i < 1_000; i++) r.attempt(connect(11, Verdict.ALLOWED, 1_000 + i));
            r.attempt(connect(12, Verdict.BLOCKED, 443));
        }
        assertThat(full.model().attempts()).hasSize(1_001);
        assertThat(summary.model().attempts()).singleElement().satisfies(a -> assertThat(a.port()).isEqualTo(443));
        assertThat(summary.model().omittedAttempts()).isZero();
        assertThat(SummaryRenderer.render(summary.model())).isEqualTo(SummaryRenderer.render(full.model())).contains("1 blocked");
    }

    @Test
    void distinctDestinationsAreCappedAndTheRestCounted() {
        RunRecorder r = new RunRecorder(1_000, 50);
        for (int i = 0; i < 500; i++) {
            r.dns(new DnsEvent(T.plusMillis(i), "n" + i + ".flood.test.", "A", Verdict.BLOCKED, Reasons.FROM_DNS_REQUEST,
                    "n" + i + ".flood.test.", "flood.test", who(11, 10, "python3", "flood.py"), Mode.ENFORCE, "blocklist", "udp",
                    List.of()));
        }
        r.dns(new DnsEvent(T.plusSeconds(9), "n1.flood.test.", "A", Verdict.BLOCKED, Reasons.FROM_DNS_REQUEST, "n1.flood.test.",
                "flood.test", who(11, 10, "python3", "flood.py"), Mode.ENFORCE, "blocklist", "udp", List.of()));
        RunModel m = r.model();
        assertThat(m.omittedAttempts()).isEqualTo(450);
        assertThat(m.attempts()).hasSize(51); // a known destination is still recorded
        assertThat(SummaryRenderer.render(m)).contains("50 destinations: 50 blocked")
                .contains("… and 450 more attempts to destinations past the first");
    }
}
