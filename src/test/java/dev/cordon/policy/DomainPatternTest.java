package dev.cordon.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DomainPatternTest {
    private static boolean matches(String pattern, String name) {
        return DomainPattern.parse(pattern).matches(DomainName.canonical(name));
    }

    @Test
    void aDomainMatchesItselfAndEveryNameBelowIt() {
        assertThat(matches("github.com", "github.com")).isTrue();
        assertThat(matches("github.com", "api.github.com")).isTrue();
        assertThat(matches("github.com", "a.b.c.github.com")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"evilgithub.com", "github.com.evil.net", "github.co", "com", "ithub.com",
            "api-github.com", "githubcom", "github.com-evil.net", "xgithub.com", "evil.net"})
    void matchingIsOnLabelBoundariesNeverAPlainSuffixOrPrefix(String name) {
        assertThat(matches("github.com", name)).as("github.com must not match %s", name).isFalse();
        assertThat(matches("*.github.com", name)).as("*.github.com must not match %s", name).isFalse();
    }

    @Test
    void aWildcardMatchesSubdomainsOnly() {
        assertThat(matches("*.github.com", "github.com")).isFalse();
        assertThat(matches("*.github.com", "api.github.com")).isTrue();
        assertThat(matches("*.github.com", "x.y.github.com")).isTrue();
        assertThat(DomainPattern.parse("*.github.com").subdomainsOnly()).isTrue();
        assertThat(DomainPattern.parse("github.com").subdomainsOnly()).isFalse();
    }

    @Test
    void caseAndATrailingDotDoNotChangeThePattern() {
        assertThat(DomainPattern.parse("GitHub.COM.")).isEqualTo(DomainPattern.parse("github.com"));
        assertThat(DomainPattern.parse("*.GitHub.Com.")).isEqualTo(DomainPattern.parse("*.github.com"));
        assertThat(DomainPattern.parse("  github.com ")).isEqualTo(DomainPattern.parse("github.com"));
        assertThat(DomainPattern.parse("GitHub.COM.").suffix()).isEqualTo("github.com");
        assertThat(matches("GITHUB.com", "Api.GitHub.COM.")).isTrue();
    }

    @Test
    void toStringIsHowTheUserWroteIt() {
        assertThat(DomainPattern.parse("GitHub.com.")).hasToString("github.com");
        assertThat(DomainPattern.parse("*.github.com")).hasToString("*.github.com");
    }

    @Test
    void moreLabelsAreMoreSpecificAndAWildcardIsHalfALabelMore() {
        int domain = DomainPattern.parse("github.com").specificity();
        int wildcard = DomainPattern.parse("*.github.com").specificity();
        int sub = DomainPattern.parse("api.github.com").specificity();
        assertThat(domain).isLessThan(wildcard);
        assertThat(wildcard).isLessThan(sub);
    }

    @Test
    void underscoresAndDigitsAndHyphensAreAccepted() {
        assertThat(DomainPattern.parse("_dmarc.example-1.com").suffix()).isEqualTo("_dmarc.example-1.com");
        assertThat(DomainPattern.parse("123.example.com").suffix()).isEqualTo("123.example.com");
    }

    @Test
    void invalidDomainsAreRejectedWithMessagesThatNameTheInputAndTheProblem() {
        assertRejected("", "empty domain name");
        assertRejected("   ", "empty domain name");
        assertRejected(".", "empty domain name");
        assertRejected(null, "empty domain name");
        assertRejected("a..b.com", "'a..b.com' has an empty label");
        assertRejected(".github.com", "'.github.com' has an empty label");
        assertRejected("github.com..", "'github.com..' has an empty label");
        assertRejected("git hub.com", "'git hub.com' has an invalid character ' '");
        assertRejected("github.com/path", "'github.com/path' has an invalid character '/'");
        assertRejected("https://github.com", "invalid character ':'");
        assertRejected("github.com:443", "invalid character ':'");
        assertRejected("gith\u00fcb.com", "invalid character '\\u00fc'");
        assertRejected("git\nhub.com", "invalid character '\\u000a'");
        assertRejected("a".repeat(64) + ".com", "has a label longer than 63 characters");
        assertRejected(("a".repeat(60) + ".").repeat(5) + "com", "is longer than 253 characters");
    }

    @Test
    void aWildcardIsOnlyAllowedAsTheWholeFirstLabel() {
        assertRejected("*", "a wildcard is only allowed as the whole first label");
        assertRejected("*github.com", "'*github.com': a wildcard is only allowed as the whole first label");
        assertRejected("api.*.github.com", "'api.*.github.com': a wildcard is only allowed as the whole first label");
        assertRejected("git*hub.com", "a wildcard is only allowed as the whole first label");
        assertRejected("*.", "empty domain name");
    }

    @Test
    void aDoubleWildcardIsReportedAsSuchWithTheWholeInput() {
        // *.github.com alone is valid, so a message about '*.github.com' would confuse the user.
        assertRejected("*.*.github.com", "'*.*.github.com': a wildcard is only allowed as the whole first label");
    }

    @Test
    void longestValidNamesAreAccepted() {
        String label63 = "a".repeat(63);
        assertThat(DomainPattern.parse(label63 + ".com").suffix()).startsWith(label63);
        String name253 = ("a".repeat(62) + ".").repeat(4) + "a";  // 63*4 + 1 = 253
        assertThat(name253).hasSize(253);
        assertThat(DomainPattern.parse(name253).suffix()).isEqualTo(name253);
        assertThat(DomainPattern.parse(name253 + ".").suffix()).isEqualTo(name253); // the root dot does not count
    }

    private static void assertRejected(String input, String messagePart) {
        assertThatThrownBy(() -> DomainPattern.parse(input))
                .as("input %s", input)
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining(messagePart);
    }
}
