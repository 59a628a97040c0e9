package dev.cordon.events;

import dev.cordon.policy.Mode;
import dev.cordon.policy.Reasons;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A flood cannot bury the terminal: repeats and floods under one rule are counted, not printed. */
class ViolationLogTest {
    static final ProcessTable.Attribution WHO = new ProcessTable.Attribution(7, 1, List.of("flood.py"), ProcessTable.Source.EXEC);

    static DnsEvent blocked(String name, String rule) {
        return new DnsEvent(Instant.EPOCH, name, "A", Verdict.BLOCKED, Reasons.FROM_DNS_REQUEST, name, rule, WHO, Mode.ENFORCE,
                "blocklist", "udp", List.of());
    }

    @Test
    void atMostPerRuleLinesForOneRuleThenACountAtTheEnd() {
        StringWriter out = new StringWriter();
        ViolationLog log = new ViolationLog(new PrintWriter(out), 10, 100);
        for (int i = 0; i < 10_000; i++) log.dns(blocked("n" + i + ".flood.test.", "flood.test"));
        for (int i = 0; i < 3; i++) log.dns(blocked("github.com.", "github.com"));
        log.runEnded(new RunEnd(Instant.EPOCH, 0, 0, 7, 1, 10_003, 0, null, null));
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).filteredOn(l -> l.startsWith("WARN DNS BLOCKED") && l.contains("rule=flood.test")).hasSize(100);
        assertThat(lines).filteredOn(l -> l.contains("rule=github.com")).hasSize(3);
        assertThat(lines).filteredOn(l -> l.startsWith("cordon: more DNS BLOCKED rule=flood.test reason=FromDNSRequest lines are held back")).hasSize(1);
        assertThat(lines.getLast()).isEqualTo("cordon: 9900 DNS BLOCKED rule=flood.test reason=FromDNSRequest line(s) not shown (100 shown)");
        assertThat(log.heldBack()).isEqualTo(9900);
    }

    @Test
    void repeatsOfOneDestinationAreHeldBackAfterPerDestination() {
        StringWriter out = new StringWriter();
        ViolationLog log = new ViolationLog(new PrintWriter(out), 10, 100);
        for (int i = 0; i < 50; i++) log.dns(blocked("github.com.", "github.com"));
        log.dns(blocked("api.github.com.", "github.com"));
        assertThat(out.toString().lines().filter(l -> l.startsWith("WARN"))).hasSize(11);
        assertThat(log.heldBack()).isEqualTo(40);
    }

    @Test
    void aTaskTryingWhatAnotherTaskTriedOftenIsStillNamed() {
        StringWriter out = new StringWriter();
        ViolationLog log = new ViolationLog(new PrintWriter(out), 10, 100);
        for (int i = 0; i < 50; i++) log.dns(blockedFor("deploy-web", "github.com."));
        log.dns(blockedFor("deploy-db", "github.com."));
        List<String> lines = out.toString().lines().filter(l -> l.startsWith("WARN")).toList();
        assertThat(lines).hasSize(11);
        assertThat(lines.getLast()).contains("task=deploy-db");
    }

    private static DnsEvent blockedFor(String task, String name) {
        ProcessTable.Attribution who = new ProcessTable.Attribution(7, 1, List.of("curl", name), ProcessTable.Source.EXEC, task, null, null);
        return new DnsEvent(Instant.EPOCH, name, "A", Verdict.BLOCKED, Reasons.FROM_DNS_REQUEST, name, "github.com", who, Mode.ENFORCE,
                "blocklist", "udp", List.of());
    }
}
