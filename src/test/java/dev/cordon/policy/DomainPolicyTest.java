package dev.cordon.policy;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DomainPolicyTest {
    private static List<DomainPattern> p(String... patterns) {
        return Arrays.stream(patterns).map(DomainPattern::parse).toList();
    }

    private static DomainPolicy policy(List<DomainPattern> allow, List<DomainPattern> deny, Action dflt) {
        return DomainPolicy.of(allow, deny, dflt);
    }

    @Test
    void aDeniedDomainDeniesItselfAndItsSubdomainsButNotLookalikes() {
        DomainPolicy pol = policy(p(), p("github.com"), Action.ALLOW);
        assertThat(pol.decide("github.com").denied()).isTrue();
        assertThat(pol.decide("api.github.com").denied()).isTrue();
        assertThat(pol.decide("evilgithub.com").denied()).isFalse();
        assertThat(pol.decide("github.com.evil.net").denied()).isFalse();
        assertThat(pol.decide("github.com").ruleLabel()).isEqualTo("github.com");
        assertThat(pol.decide("evilgithub.com").ruleLabel()).isEqualTo("default:allow");
    }

    @Test
    void decisionsIgnoreCaseAndTheTrailingDot() {
        DomainPolicy pol = policy(p(), p("github.com"), Action.ALLOW);
        for (String n : List.of("GITHUB.COM", "GitHub.com.", "Api.GitHub.Com.", "github.com.")) {
            assertThat(pol.decide(n).denied()).as(n).isTrue();
        }
    }

    @Test
    void theMostSpecificRuleWins() {
        DomainPolicy pol = policy(p("api.github.com"), p("github.com"), Action.ALLOW);
        assertThat(pol.decide("api.github.com").action()).isEqualTo(Action.ALLOW);
        assertThat(pol.decide("uploads.api.github.com").action()).isEqualTo(Action.ALLOW);
        assertThat(pol.decide("github.com").action()).isEqualTo(Action.DENY);
        assertThat(pol.decide("www.github.com").action()).isEqualTo(Action.DENY);
        assertThat(pol.decide("api.github.com").ruleLabel()).isEqualTo("api.github.com");

        DomainPolicy reverse = policy(p("github.com"), p("gist.github.com"), Action.DENY);
        assertThat(reverse.decide("github.com").action()).isEqualTo(Action.ALLOW);
        assertThat(reverse.decide("api.github.com").action()).isEqualTo(Action.ALLOW);
        assertThat(reverse.decide("gist.github.com").action()).isEqualTo(Action.DENY);
        assertThat(reverse.decide("raw.gist.github.com").action()).isEqualTo(Action.DENY);
        assertThat(reverse.decide("gitlab.com").action()).isEqualTo(Action.DENY);
    }

    @Test
    void aWildcardIsMoreSpecificThanItsBareDomainButOnlyForSubdomains() {
        DomainPolicy pol = policy(p("*.github.com"), p("github.com"), Action.ALLOW);
        assertThat(pol.decide("github.com").action()).isEqualTo(Action.DENY);
        assertThat(pol.decide("api.github.com").action()).isEqualTo(Action.ALLOW);
        assertThat(pol.decide("api.github.com").ruleLabel()).isEqualTo("*.github.com");

        DomainPolicy other = policy(p("github.com"), p("*.github.com"), Action.ALLOW);
        assertThat(other.decide("github.com").action()).isEqualTo(Action.ALLOW);
        assertThat(other.decide("api.github.com").action()).isEqualTo(Action.DENY);
        // an exact subdomain rule is still more specific than the wildcard
        DomainPolicy three = policy(p("api.github.com"), p("*.github.com"), Action.ALLOW);
        assertThat(three.decide("api.github.com").action()).isEqualTo(Action.ALLOW);
        assertThat(three.decide("www.github.com").action()).isEqualTo(Action.DENY);
    }

    @Test
    void denyWinsATieWhateverTheOrder() {
        DomainPolicy pol = policy(p("github.com"), p("github.com"), Action.ALLOW);
        assertThat(pol.decide("github.com").denied()).isTrue();
        assertThat(pol.decide("api.github.com").denied()).isTrue();
        assertThat(pol.decide("github.com").rule()).get().extracting(DomainRule::origin).isEqualTo("--deny");
        assertThat(pol.rules()).hasSize(1);

        DomainPolicy spelledDifferently = policy(p("GitHub.com."), p("github.com"), Action.ALLOW);
        assertThat(spelledDifferently.decide("github.com").denied()).isTrue();

        DomainPolicy wildcards = policy(p("*.github.com"), p("*.GITHUB.com"), Action.ALLOW);
        assertThat(wildcards.decide("api.github.com").denied()).isTrue();
    }

    @Test
    void noMatchMeansTheDefaultAction() {
        DomainPolicy blocklist = policy(p(), p("github.com"), Action.ALLOW);
        DomainPolicy.Decision d = blocklist.decide("example.org");
        assertThat(d.action()).isEqualTo(Action.ALLOW);
        assertThat(d.rule()).isEmpty();
        assertThat(d.ruleLabel()).isEqualTo("default:allow");

        DomainPolicy allowlist = policy(p("example.org"), p(), Action.DENY);
        assertThat(allowlist.decide("www.example.org").action()).isEqualTo(Action.ALLOW);
        DomainPolicy.Decision other = allowlist.decide("github.com");
        assertThat(other.denied()).isTrue();
        assertThat(other.rule()).isEmpty();
        assertThat(other.ruleLabel()).isEqualTo("default:deny");
        assertThat(allowlist.defaultAction()).isEqualTo(Action.DENY);

        DomainPolicy empty = policy(p(), p(), Action.ALLOW);
        assertThat(empty.decide("anything.example").denied()).isFalse();
        assertThat(empty.decide(".").denied()).isFalse();
        assertThat(policy(p(), p(), Action.DENY).decide(".").denied()).isTrue();
    }

    @Test
    void firewallMethodFollowsTheDefault() {
        assertThat(policy(p(), p("github.com"), Action.ALLOW).firewallMethod()).isEqualTo("blocklist");
        assertThat(policy(p("github.com"), p(), Action.DENY).firewallMethod()).isEqualTo("allowlist");
    }

    @Test
    void rulesKeepTheirOriginAndAction() {
        DomainPolicy pol = policy(p("api.github.com"), p("github.com", "*.evil.net"), Action.ALLOW);
        assertThat(pol.rules()).extracting(r -> r.pattern().toString() + " " + r.action() + " " + r.origin())
                .containsExactlyInAnyOrder("api.github.com ALLOW --allow", "github.com DENY --deny", "*.evil.net DENY --deny");
    }
}
