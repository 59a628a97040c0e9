package dev.cordon.policy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shipped list parses and covers the big providers; its rules compose with the user's as documented. */
class EncryptedDnsTest {
    static final EncryptedDns.EndpointList LIST = EncryptedDns.builtIn();

    static IpPolicy policy(List<IpRule> user, Action def, Loopback loopback) {
        List<IpRule> all = new ArrayList<>(user);
        all.addAll(EncryptedDns.ipRules(List.of(LIST), user, loopback));
        return IpPolicy.of(all, def, loopback);
    }

    static byte[] ip(String s) {
        return Cidr.parse(s).address();
    }

    @Test
    void theShippedListCoversTheMajorProvidersOnBothFamilies() {
        List<String> names = LIST.names().stream().map(r -> r.pattern().toString()).toList();
        assertThat(names).contains("dns.google", "cloudflare-dns.com", "mozilla.cloudflare-dns.com".substring(8), "dns.quad9.net",
                "doh.opendns.com", "dns.nextdns.io", "dns.adguard-dns.com", "use-application-dns.net");
        List<String> prefixes = LIST.prefixes().stream().map(r -> r.cidr().toString()).toList();
        assertThat(prefixes).contains("8.8.8.8/32", "1.1.1.1/32", "9.9.9.9/32", "208.67.222.222/32", "94.140.14.14/32",
                "2001:4860:4860::8888/128", "2606:4700:4700::1111/128", "2620:fe::fe/128", "45.90.28.0/24");
        assertThat(LIST.names()).allSatisfy(r -> {
            assertThat(r.action()).isEqualTo(Action.DENY);
            assertThat(r.origin()).isEqualTo(EncryptedDns.ORIGIN);
        });
        assertThat(prefixes).doesNotHaveDuplicates();
        assertThat(names).doesNotHaveDuplicates();
    }

    @Test
    void listedResolversAreDeniedOnEveryPortAndPort853Everywhere() {
        IpPolicy p = policy(List.of(), Action.ALLOW, Loopback.ALLOW);
        assertThat(p.decide(ip("1.1.1.1"), 443)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("2606:4700:4700::1111"), 443)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("203.0.113.5"), 853)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("2001:db8::5"), 853)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("203.0.113.5"), 443)).isEqualTo(Action.ALLOW);
        // loopback's implicit allow does not reopen 853
        assertThat(p.decide(ip("127.0.0.1"), 853)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("::1"), 853)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("127.0.0.1"), 8080)).isEqualTo(Action.ALLOW);
        assertThat(p.match(ip("127.0.0.1"), 853)).get().satisfies(r -> {
            assertThat(EncryptedDns.isOrigin(r.origin())).isTrue();
            assertThat(r.label()).isEqualTo("port:853");
        });
        assertThat(p.match(ip("1.1.1.1"), 443)).get().extracting(IpRule::label).isEqualTo("1.1.1.1/32");
    }

    @Test
    void aBroadAllowDoesNotReopen853ButARuleNamingPort853Does() {
        IpRule tenAllowed = new IpRule(Cidr.parse("10.0.0.0/8"), Action.ALLOW, "--allow-cidr");
        IpRule dotServer = new IpRule(Cidr.parse("10.0.0.53"), Action.ALLOW, "policy.yaml:7", List.of(PortRange.of(853)));
        IpPolicy p = policy(List.of(tenAllowed, dotServer), Action.DENY, Loopback.ALLOW);
        assertThat(p.decide(ip("10.1.2.3"), 443)).isEqualTo(Action.ALLOW);
        assertThat(p.decide(ip("10.1.2.3"), 853)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("10.0.0.53"), 853)).isEqualTo(Action.ALLOW);
        assertThat(p.decide(ip("10.0.0.53"), 443)).isEqualTo(Action.ALLOW);
    }

    @Test
    void theUsersOwnRuleForAListedAddressWinsALessSpecificOneDoesNot() {
        IpRule exact = new IpRule(Cidr.parse("8.8.8.8"), Action.ALLOW, "--allow-cidr");
        IpRule broad = new IpRule(Cidr.parse("9.9.0.0/16"), Action.ALLOW, "--allow-cidr");
        IpPolicy p = policy(List.of(exact, broad), Action.DENY, Loopback.ALLOW);
        assertThat(p.decide(ip("8.8.8.8"), 443)).isEqualTo(Action.ALLOW);
        assertThat(p.decide(ip("8.8.8.8"), 853)).as("853 needs a rule naming it").isEqualTo(Action.DENY);
        assertThat(p.decide(ip("8.8.4.4"), 443)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("9.9.9.9"), 443)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("9.9.1.1"), 443)).isEqualTo(Action.ALLOW);
    }

    @Test
    void portRulesOfTheUserStillFitWithThe853Rule() {
        List<IpRule> user = new ArrayList<>();
        List<PortRange> seven = new ArrayList<>();
        for (int i = 1; i <= 7; i++) seven.add(PortRange.of(i * 100));
        user.add(new IpRule(Cidr.parse("192.0.2.0/24"), Action.DENY, "f:3", seven));
        IpPolicy p = policy(user, Action.ALLOW, Loopback.ALLOW);
        assertThat(p.decide(ip("192.0.2.1"), 853)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("192.0.2.1"), 700)).isEqualTo(Action.DENY);
        assertThat(p.decide(ip("192.0.2.1"), 443)).isEqualTo(Action.ALLOW);
        user.set(0, new IpRule(Cidr.parse("192.0.2.0/24"), Action.DENY, "f:3",
                java.util.stream.Stream.concat(seven.stream(), java.util.stream.Stream.of(PortRange.of(900))).toList()));
        assertThatThrownBy(() -> policy(user, Action.ALLOW, Loopback.ALLOW)).isInstanceOf(IpPolicy.TooManyPortRanges.class);
    }

    @Test
    void domainRulesOfTheUserForTheSamePatternWin() {
        DomainRule allowGoogleDns = new DomainRule(DomainPattern.parse("dns.google"), Action.ALLOW, "--allow");
        DomainRule allowGoogle = new DomainRule(DomainPattern.parse("google"), Action.ALLOW, "--allow");
        List<DomainRule> added = EncryptedDns.domainRules(List.of(LIST), List.of(allowGoogleDns, allowGoogle));
        assertThat(added).extracting(r -> r.pattern().toString()).doesNotContain("dns.google").contains("cloudflare-dns.com");
        List<DomainRule> all = new ArrayList<>(List.of(allowGoogleDns, allowGoogle));
        all.addAll(added);
        DomainPolicy d = DomainPolicy.of(all, Action.ALLOW);
        assertThat(d.decide("dns.google.").action()).isEqualTo(Action.ALLOW);
        assertThat(d.decide("mozilla.cloudflare-dns.com.").action()).isEqualTo(Action.DENY);
        assertThat(d.decide("cloudflare.com.").action()).isEqualTo(Action.ALLOW);
        assertThat(d.decide("notcloudflare-dns.com.").action()).isEqualTo(Action.ALLOW);
    }

    @Test
    void aUsersListNamesTheBadLine() {
        EncryptedDns.EndpointList l = EncryptedDns.parse("# mine\ndoh.example.net\n192.0.2.53 # a resolver\n\n2001:db8::53\n", "my.txt");
        assertThat(l.names()).singleElement().satisfies(r -> assertThat(r.origin()).isEqualTo("encrypted-dns:my.txt:2"));
        assertThat(l.prefixes()).extracting(r -> r.cidr().toString()).containsExactly("192.0.2.53/32", "2001:db8::53/128");
        assertThatThrownBy(() -> EncryptedDns.parse("ok.example\n10.1.2.3/8\n", "my.txt"))
                .hasMessageStartingWith("my.txt:2: bad CIDR");
        assertThatThrownBy(() -> EncryptedDns.parse("a.example b.example\n", "my.txt"))
                .hasMessageContaining("my.txt:1: one name or address per line");
        assertThatThrownBy(() -> EncryptedDns.parse("bad..name\n", "my.txt")).hasMessageStartingWith("my.txt:1:");
    }
}
