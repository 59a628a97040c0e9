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
}
