package dev.cordon.report;

import dev.cordon.report.read.EventsFileReader;
import dev.cordon.report.suggest.PolicySuggester;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** cordon suggest on an audit run (audit.jsonl) that exercises every grouping and skipping rule. */
class SuggestTest {
    private static String suggest() throws Exception {
        return PolicySuggester.suggest(EventsFileReader.read(Golden.resource("audit.jsonl")), PolicySuggester.DEFAULT_GROUP_MIN);
    }

    @Test
    void golden() throws Exception {
        Golden.assertMatches("audit.policy.yaml", suggest());
    }

    @Test
    @SuppressWarnings("unchecked")
    void isAPolicyAYamlParserReadsAsIntended() throws Exception {
        Map<String, Object> doc = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(suggest());
        assertThat(doc).containsEntry("version", 1).containsEntry("mode", "enforce").containsEntry("default", "deny");
        Map<String, Object> allow = (Map<String, Object>) doc.get("allow");
        List<String> domains = (List<String>) allow.get("domains");
        assertThat(domains)
                // api./codeload. are under github.com, which covers them
                .contains("github.com").doesNotContain("api.github.com", "codeload.github.com")
                // three names under one registrable domain collapse to its subdomains
                .contains("*.acme-builds.com", "*.shop.co.uk").doesNotContain("mirror1.acme-builds.com")
                // two are too few
                .contains("x.two.io", "y.two.io")
                // never onto a public suffix or into a shared cloud domain
                .contains("alice.github.io", "bob.github.io", "carol.github.io", "x.co.uk", "y.co.uk", "z.co.uk",
                        "b1.s3.amazonaws.com", "b2.s3.amazonaws.com", "b3.s3.amazonaws.com")
                .doesNotContain("*.github.io", "*.co.uk", "*.s3.amazonaws.com", "*.amazonaws.com")
                // audited (needed) and allowed ones alike; names learned only from a connect too
                .contains("telemetry.vendor.com", "registry.npmjs.org", "hooks.slack.com")
                .noneMatch(d -> d.contains(" ") || d.contains("\n"));
        assertThat((List<String>) allow.get("cidrs"))
                // loopback, the DNS server (port 53) and an address an answer gave are left out; mapped v4 unwrapped
                .containsExactly("192.0.2.7/32", "192.0.2.8/32", "2001:db8::5/128");
        assertThat(doc).doesNotContainKey("dns");
    }

    @Test
    void commentsCannotBreakOutOfTheirLine() throws Exception {
        String yaml = suggest();
        assertThat(yaml).contains("ev\\x85il#x").doesNotContain("\u0085");
        assertThat(yaml).contains("bad name\\n.com");
        for (String line : yaml.split("\n")) {
            assertThat(line).as("every line is a comment, a key or a list item").matches("(#.*|[a-z]+:.*|  [a-z]+:.*|    - .*)");
        }
    }

    @Test
    void encryptedDnsAndRebindingAttemptsAreLeftOutAndSaidSo() throws Exception {
        String events = """
                {"time":"2026-11-21T09:00:00.001Z","type":"run-start","cordonVersion":"0.1.0","argv":["./b.sh"],"cmd":"./b.sh","mode":"audit","default":"deny","firewallMethod":"allowlist","policy":null,"outages":[],"outageWaitMs":5000}
                {"time":"2026-11-21T09:00:00.002Z","type":"exec","pid":100,"ppid":1,"comm":"b.sh","cmd":"/bin/sh ./b.sh","argv":["/bin/sh","./b.sh"],"argvTruncated":false,"cgroupId":1}
                {"time":"2026-11-21T09:00:00.003Z","type":"dns","verdict":"audited","reason":"EncryptedDNS","blocked":false,"blockedAt":"dns","domain":"dns.google.","qtype":"A","transport":"udp","pid":100,"ppid":1,"cmd":"/bin/sh ./b.sh","argv":["/bin/sh","./b.sh"],"cmdSource":"exec","addresses":[],"firewallMethod":"allowlist","rule":"encrypted-dns","mode":"audit"}
                {"time":"2026-11-21T09:00:00.004Z","type":"dns","verdict":"audited","reason":"PrivateAnswer","blocked":false,"blockedAt":"dns","domain":"meta.example.com.","qtype":"A","transport":"udp","pid":100,"ppid":1,"cmd":"/bin/sh ./b.sh","argv":["/bin/sh","./b.sh"],"cmdSource":"exec","addresses":["169.254.169.254"],"firewallMethod":"allowlist","rule":"dns:private-answer","mode":"audit"}
                {"time":"2026-11-21T09:00:00.005Z","type":"connect","verdict":"audited","reason":"EncryptedDNS","blocked":false,"blockedAt":"connect","ip":"192.0.2.9","port":853,"proto":"tcp","family":"ipv4","ipv6Mapped":false,"pid":100,"tid":100,"ppid":1,"comm":"b.sh","cmd":"/bin/sh ./b.sh","argv":["/bin/sh","./b.sh"],"cmdSource":"exec","rule":"port:853","mode":"audit","cgroupId":1}
                {"time":"2026-11-21T09:00:00.006Z","type":"dns","verdict":"audited","reason":"FromDNSRequest","blocked":false,"blockedAt":"dns","domain":"registry.npmjs.org.","qtype":"A","transport":"udp","pid":100,"ppid":1,"cmd":"/bin/sh ./b.sh","argv":["/bin/sh","./b.sh"],"cmdSource":"exec","addresses":[],"firewallMethod":"allowlist","rule":"default:deny","mode":"audit"}
                """;
        String yaml = PolicySuggester.suggest(EventsFileReader.read(new java.io.StringReader(events), "test"), PolicySuggester.DEFAULT_GROUP_MIN);

        assertThat(yaml).contains("    - registry.npmjs.org").doesNotContain("- dns.google", "- meta.example.com", "- 192.0.2.9");
        assertThat(yaml).containsPattern("# left out on purpose, allowing them would bypass the guard: .*dns\\.google.*EncryptedDNS.*meta\\.example\\.com.*PrivateAnswer.*192\\.0\\.2\\.9.*EncryptedDNS");
    }
}
