package dev.cordon.metrics;

import dev.cordon.policy.Reasons;
import dev.cordon.dns.DnsCounters;
import dev.cordon.events.DnsEvent;
import dev.cordon.events.Hook;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.NetEvent;
import dev.cordon.events.PolicyReload;
import dev.cordon.events.ProcessRef;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.RunStart;
import dev.cordon.events.Verdict;
import dev.cordon.policy.Mode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The exposition a scrape gets: names, labels and values as README's Metrics section promises them. */
class GuardMetricsTest {
    private static final Instant T = Instant.parse("2025-01-02T03:04:05Z");

    private static ProcessTable.Attribution who(String task) {
        return new ProcessTable.Attribution(4242, 4200, List.of("curl", "-sS", "https://github.com/"), ProcessTable.Source.EXEC, task, null);
    }

    static NetAttempt connect(Verdict v, String ip, String rule, String task, String domain) {
        byte[] addr = java.net.InetAddress.ofLiteral(ip).getAddress();
        NetEvent e = new NetEvent(1_000L, new ProcessRef(4242, 4243, "curl", 777L), Hook.CONNECT, v, 0,
                false, NetEvent.IPPROTO_TCP, 443, false, addr);
        return new NetAttempt(T, e, who(task), rule, Mode.ENFORCE, domain);
    }

    static DnsEvent query(Verdict v, String name, String rule, String task) {
        return new DnsEvent(T, name, "A", v, Reasons.FROM_DNS_REQUEST, v.violation() ? name : null, rule,
                who(task), Mode.ENFORCE, "blocklist", "udp", List.of());
    }

    private static RunStart start() {
        return new RunStart(T, "0.1.0", List.of("cordon", "guard"), "enforce", "allow", "blocklist", "/etc/cordon/deploy.yaml",
                List.of(), null, 0, "/sys/fs/cgroup/deploy.slice");
    }

    @Test
    void attemptsAreCountedByTypeVerdictRuleAndTask() {
        GuardMetrics m = new GuardMetrics();
        m.attempt(connect(Verdict.BLOCKED, "140.82.112.3", "github.com", "deploy-web", "github.com."));
        m.attempt(connect(Verdict.BLOCKED, "140.82.112.3", "github.com", "deploy-web", "github.com."));
        m.attempt(connect(Verdict.ALLOWED, "10.0.0.5", "10.0.0.0/8", "deploy-web", null));
        m.dns(query(Verdict.BLOCKED, "github.com.", "github.com", "deploy@42.service"));
        m.dns(query(Verdict.ALLOWED, "internal.example.", "default:allow", null));
        String text = m.scrape();
        assertThat(text).contains(
                "# TYPE cordon_attempts_total counter\n",
                "cordon_attempts_total{rule=\"github.com\",task=\"deploy-web\",type=\"connect\",verdict=\"blocked\"} 2.0\n",
                "cordon_attempts_total{rule=\"10.0.0.0/8\",task=\"deploy-web\",type=\"connect\",verdict=\"allowed\"} 1.0\n",
                "cordon_attempts_total{rule=\"github.com\",task=\"deploy@42.service\",type=\"dns\",verdict=\"blocked\"} 1.0\n",
                "cordon_attempts_total{rule=\"default:allow\",task=\"\",type=\"dns\",verdict=\"allowed\"} 1.0\n"); // "": no task (Prometheus reads it as no label)
    }

    @Test
    void aNewDestinationIsCountedOncePerVerdictFromZero() {
        GuardMetrics m = new GuardMetrics();
        assertThat(m.scrape()).as("both series exist before anything happened, so increase() sees the first one")
                .contains("cordon_new_destinations_total{verdict=\"audited\"} 0.0\n", "cordon_new_destinations_total{verdict=\"blocked\"} 0.0\n");
        m.dns(query(Verdict.BLOCKED, "github.com.", "github.com", "a"));
        m.attempt(connect(Verdict.BLOCKED, "140.82.112.3", "github.com", "b", "github.com."));   // the same name: not new
        m.attempt(connect(Verdict.BLOCKED, "192.0.2.7", "192.0.2.0/24", "a", null));            // 192.0.2.7:443
        m.attempt(connect(Verdict.ALLOWED, "10.0.0.5", "10.0.0.0/8", "a", null));               // allowed: never a new destination
        m.dns(query(Verdict.AUDITED, "github.com.", "github.com", "a"));
        assertThat(m.scrape()).contains("cordon_new_destinations_total{verdict=\"blocked\"} 2.0\n",
                "cordon_new_destinations_total{verdict=\"audited\"} 1.0\n");
    }

    @Test
    void reloadsAndTheGuardInForce() {
        GuardMetrics m = new GuardMetrics();
        m.runStarted(start());
        assertThat(m.scrape()).contains(
                "cordon_guard_info{cgroup=\"/sys/fs/cgroup/deploy.slice\",default=\"allow\",mode=\"enforce\",version=\"0.1.0\"} 1.0\n",
                "cordon_policy_reloads_total{applied=\"false\"} 0.0\n", "cordon_policy_reloads_total{applied=\"true\"} 0.0\n",
                "cordon_policy_last_reload_successful 1.0\n");
        m.policyReloaded(new PolicyReload(T, "/etc/cordon/deploy.yaml", true, "audit", "deny", List.of()));
        m.policyReloaded(new PolicyReload(T, "/etc/cordon/deploy.yaml", false, "audit", "deny", List.of("x:1:1: bad")));
        String text = m.scrape();
        assertThat(text).contains("cordon_policy_reloads_total{applied=\"false\"} 1.0\n", "cordon_policy_reloads_total{applied=\"true\"} 1.0\n",
                "cordon_policy_last_reload_successful 0.0\n",
                "cordon_guard_info{cgroup=\"/sys/fs/cgroup/deploy.slice\",default=\"deny\",mode=\"audit\",version=\"0.1.0\"} 1.0\n");
        assertThat(text).as("one info series: the mode in force").containsOnlyOnce("cordon_guard_info{");
    }

    @Test
    void theGuardsPartsAreReadAtEachScrapeAndFrozenBeforeItDetaches() {
        GuardMetrics m = new GuardMetrics();
        assertThat(m.scrape()).as("nothing to read before the guard is attached")
                .doesNotContain("cordon_learned_addresses ", "cordon_ring_buffer_dropped_events_total ", "cordon_dns_proxy_duration_seconds");
        DnsCounters dns = new DnsCounters();
        long[] learned = {7}, dropped = {3};
        AtomicBoolean detached = new AtomicBoolean();
        m.watch(new GuardMetrics.Sources(() -> {
            assertThat(detached).as("a scrape read the guard after it froze").isFalse();
            return dropped[0];
        }, () -> learned[0], () -> 2, 131_072, dns));
        dns.upstreamFailures.incrementAndGet();
        dns.cacheHits.addAndGet(5);
        dns.latency.record(40_000);      // 40 µs: ≤ 50 µs
        dns.latency.record(1_800_000);   // 1.8 ms: ≤ 2.5 ms
        String text = m.scrape();
        assertThat(text).contains("cordon_learned_addresses 7.0\n", "cordon_learned_addresses_limit 131072.0\n",
                "cordon_learned_addresses_refused_total 2.0\n", "cordon_ring_buffer_dropped_events_total 3.0\n",
                "cordon_dns_failures_total{reason=\"upstream\"} 1.0\n", "cordon_dns_failures_total{reason=\"malformed\"} 0.0\n",
                "cordon_dns_failures_total{reason=\"overloaded\"} 0.0\n", "cordon_dns_cache_hits_total 5.0\n",
                "# TYPE cordon_dns_proxy_duration_seconds histogram\n",
                "cordon_dns_proxy_duration_seconds_bucket{le=\"2.5E-5\"} 0\n",
                "cordon_dns_proxy_duration_seconds_bucket{le=\"5.0E-5\"} 1\n",
                "cordon_dns_proxy_duration_seconds_bucket{le=\"0.0025\"} 2\n",
                "cordon_dns_proxy_duration_seconds_bucket{le=\"+Inf\"} 2\n",
                "cordon_dns_proxy_duration_seconds_count 2\n", "cordon_dns_proxy_duration_seconds_sum 0.00184\n");
        learned[0] = 9;
        assertThat(m.scrape()).contains("cordon_learned_addresses 9.0\n");
        m.freeze();
        detached.set(true);
        learned[0] = 1;
        dropped[0] = 99;
        assertThat(m.scrape()).as("the last values, read before it detached").contains("cordon_learned_addresses 9.0\n",
                "cordon_ring_buffer_dropped_events_total 3.0\n");
    }

    @Test
    void withoutTheDnsProxyThereAreNoDnsMetrics() {
        GuardMetrics m = new GuardMetrics();
        m.watch(new GuardMetrics.Sources(() -> 0, null, null, 0, null));
        String text = m.scrape();
        assertThat(text).contains("cordon_ring_buffer_dropped_events_total 0.0\n")
                .doesNotContain("cordon_learned_addresses ", "cordon_learned_addresses_limit ", "cordon_dns_failures_total{",
                        "cordon_dns_proxy_duration_seconds_count");
    }

    @Test
    void rulesAndTasksAreCappedAndTheOverflowIsCounted() {
        GuardMetrics m = new GuardMetrics();
        for (int i = 0; i < GuardMetrics.ATTEMPT_SERIES + 500; i++) {
            m.attempt(connect(Verdict.BLOCKED, "192.0.2.7", "default:deny", "deploy@" + i + ".service", null));
        }
        String text = m.scrape();
        assertThat(text.lines().filter(l -> l.startsWith("cordon_attempts_total{"))).hasSize(GuardMetrics.ATTEMPT_SERIES + 1);
        assertThat(text).contains("cordon_attempts_total{rule=\"_other\",task=\"_other\",type=\"connect\",verdict=\"blocked\"} 500.0\n",
                "cordon_metrics_overflow_total{metric=\"cordon_attempts_total\"} 500.0\n");
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        System.out.println("[metrics] a scrape with cordon_attempts_total at its cap: " + bytes + " bytes");
        assertThat(bytes).as("a full scrape stays small").isLessThan(200_000);
    }

    @Test
    void aHostileTaskNameCannotReachATerminalRaw() {
        GuardMetrics m = new GuardMetrics();
        m.attempt(connect(Verdict.BLOCKED, "192.0.2.7", "default:deny", "x\u001b[31m\nfake\".service", null));
        m.attempt(connect(Verdict.BLOCKED, "192.0.2.7", "default:deny", "deploy\\x2dweb.service", null));
        String text = m.scrape();
        assertThat(text).doesNotContain("\u001b").contains("task=\"x\\\\x1b[31m\\\\nfake\\\".service\"")
                .as("a systemd-escaped unit name reads as it is (the format doubles the backslash)")
                .contains("task=\"deploy\\\\x2dweb.service\"");
    }

    @Test
    void aTypicalScrape() {
        GuardMetrics m = new GuardMetrics();
        m.runStarted(start());
        m.watch(new GuardMetrics.Sources(() -> 0, () -> 40, () -> 0, 131_072, new DnsCounters()));
        String[] tasks = {"deploy-web@1.service", "deploy-db@1.service", "migrate.service", "."};
        String[] rules = {"github.com", "default:deny", "dns:allowed-name", "10.0.0.0/8", "loopback", "internal.example.com"};
        for (String task : tasks) {
            for (String rule : rules) {
                for (Verdict v : List.of(Verdict.ALLOWED, Verdict.BLOCKED)) {
                    m.attempt(connect(v, "192.0.2.7", rule, task, null));
                    m.dns(query(v, "x.example.", rule, task));
                }
            }
        }
        int bytes = m.scrape().getBytes(StandardCharsets.UTF_8).length;
        System.out.println("[metrics] a scrape with 4 tasks x 6 rules x 2 verdicts x 2 types (96 attempt series): " + bytes + " bytes");
        assertThat(bytes).isLessThan(30_000);
    }
}
