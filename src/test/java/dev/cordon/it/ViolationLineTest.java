package dev.cordon.it;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ViolationLineTest {
    @Test
    void aReportWrittenIntoTheMiddleOfTheCommandsOwnLineIsStillRead() {
        String err = """
                curl: (55) Send failure: Permission denied
                curl: (55) Send failurWARN HTTP BLOCKED reason=FromHTTPHost domain=blocked.test. cmd="curl -p x" mode=enforce
                e: Permission denied
                WARN DNS BLOCKED reason=FromDNSRequest domain=a.test. mode=enforce
                """;
        assertThat(ViolationLine.parseAll(err)).satisfiesExactly(
                l -> {
                    assertThat(l.kind()).isEqualTo("HTTP");
                    assertThat(l.get("domain")).isEqualTo("blocked.test.");
                    assertThat(l.get("cmd")).isEqualTo("curl -p x");
                    assertThat(l.raw()).startsWith("WARN HTTP BLOCKED ");
                },
                l -> assertThat(l.get("domain")).isEqualTo("a.test."));
    }
}
