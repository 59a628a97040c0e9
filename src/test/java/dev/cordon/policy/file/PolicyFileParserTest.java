package dev.cordon.policy.file;

import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainRule;
import dev.cordon.policy.IpRule;
import dev.cordon.policy.Loopback;
import dev.cordon.policy.Mode;
import dev.cordon.policy.PortRange;
import dev.cordon.testing.NoDnsResolverProvider;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyFileParserTest {
    private static PolicyFileParser.Result parse(String yaml) {
        return PolicyFileParser.parse(yaml, "p.yaml");
    }

    /** Every problem as the check command prints it. */
    private static List<String> problems(String yaml) {
        return parse(yaml).problems().stream().map(p -> p.format("p.yaml")).toList();
    }

    @Test
    void theDocumentedFormatParses() {
        PolicyFileParser.Result r = parse("""
                # comments allowed anywhere
                version: 1                    # required
                mode: audit
                default: deny
                loopback: rules
                allowRawSockets: true
                dns:
                  upstreams: [127.0.0.1:5353, "[::1]:53"]
                  blockedResponse: refused
                  upstreamTimeoutMs: 1500
                allow:
                  domains:
                    - github.com
                    - "*.githubusercontent.com"
                  cidrs:
                    - 10.0.0.0/8
                    - cidr: 192.0.2.0/24
                      ports: [443, "8000-8100"]
                deny:
                  domains: [api.github.com]
                  cidrs: [10.9.0.0/16]
                """);
        assertThat(r.problems()).isEmpty();
        PolicyFile p = r.policy();
        assertThat(p.mode()).isEqualTo(Mode.AUDIT);
        assertThat(p.defaultAction()).isEqualTo(Action.DENY);
        assertThat(p.loopback()).isEqualTo(Loopback.RULES);
        assertThat(p.allowRawSockets()).isTrue();
        assertThat(p.upstreams()).containsExactly(new InetSocketAddress(java.net.InetAddress.ofLiteral("127.0.0.1"), 5353), new InetSocketAddress(java.net.InetAddress.ofLiteral("::1"), 53));
        assertThat(p.blockedResponse()).isEqualTo(BlockedResponse.REFUSED);
        assertThat(p.upstreamTimeoutMs()).isEqualTo(1500L);
        assertThat(p.domainRules()).containsExactly(
                new DomainRule(DomainPattern.parse("github.com"), Action.ALLOW, "p.yaml:13"),
                new DomainRule(DomainPattern.parse("*.githubusercontent.com"), Action.ALLOW, "p.yaml:14"),
                new DomainRule(DomainPattern.parse("api.github.com"), Action.DENY, "p.yaml:20"));
        assertThat(p.ipRules()).containsExactly(
                new IpRule(Cidr.parse("10.0.0.0/8"), Action.ALLOW, "p.yaml:16"),
                new IpRule(Cidr.parse("192.0.2.0/24"), Action.ALLOW, "p.yaml:17", List.of(new PortRange(443, 443), new PortRange(8000, 8100))),
                new IpRule(Cidr.parse("10.9.0.0/16"), Action.DENY, "p.yaml:21"));
    }

    @Test
    void onlyTheVersionIsRequiredAndUnsetSettingsAreNull() {
        PolicyFileParser.Result r = parse("version: 1\n");
        assertThat(r.problems()).isEmpty();
        PolicyFile p = r.policy();
        assertThat(p.mode()).isNull();
        assertThat(p.defaultAction()).isNull();
        assertThat(p.loopback()).isNull();
        assertThat(p.allowRawSockets()).isNull();
        assertThat(p.upstreams()).isNull();
        assertThat(p.blockedResponse()).isNull();
        assertThat(p.upstreamTimeoutMs()).isNull();
        assertThat(p.domains()).isEmpty();
        assertThat(p.cidrs()).isEmpty();
        // empty sections are no rules, not an error
        assertThat(parse("version: 1\nallow:\ndeny:\n  domains:\n  cidrs:\ndns:\n").problems()).isEmpty();
    }

    @Test
    void yamlSyntaxErrorsCarrySnakeyamlsMark() {
        assertThat(problems("version: 1\nallow: [github.com\n")).singleElement().asString()
                .startsWith("p.yaml:3:1: error: YAML syntax: ");
        assertThat(problems("version: 1\n  mode: audit\n")).singleElement().asString()
                .startsWith("p.yaml:2:7: error: YAML syntax: mapping values are not allowed here");
    }

    @Test
    void whatYamlCannotMeanIsAProblemAtItsPosition() {
        assertThat(problems("version: 1\nallow:\n  domains: [*nowhere]\n")).containsExactly(
                "p.yaml:3:13: error: YAML syntax: found undefined alias *nowhere");
        assertThat(problems("version: 1\n---\nversion: 1\n")).singleElement().asString()
                .startsWith("p.yaml:2:1: error: YAML syntax: expected a single document");
    }

    @Test
    void aFileNestedThousandsOfLevelsDeepIsAProblemNotACrash() {
        int depth = 10_000;
        assertThat(problems("version: 1\nallow:\n  domains: " + "[".repeat(depth) + "]".repeat(depth) + "\n"))
                .containsExactly("p.yaml:3:13: error: expected a domain name, not a list");
    }

    @Test
    void anchorsAndMergeKeysMeanWhatTheyMeanInYaml() {
        assertThat(problems("""
                version: 1
                default: deny
                allow: &shared
                  domains: [a.example]
                deny:
                  <<: *shared
                """)).containsExactly("p.yaml:4:13: error: a.example is both allowed (line 4) and denied: remove one");
    }

    @Test
    void versionIsRequiredAndMustBeOne() {
        assertThat(problems("mode: audit\n")).containsExactly(
                "p.yaml:1:1: error: 'version' is missing: add 'version: 1' at the top");
        assertThat(problems("version: 2\n")).containsExactly(
                "p.yaml:1:10: error: unsupported version 2: this cordon reads version 1");
        assertThat(problems("version: \"1\"\n")).containsExactly(
                "p.yaml:1:10: error: 'version' must be the number 1, not '1'");
        assertThat(problems("")).containsExactly(
                "p.yaml:1:1: error: the file is empty; a policy needs at least 'version: 1'");
        assertThat(problems("- version: 1\n")).containsExactly(
                "p.yaml:1:1: error: the top level must be a mapping of keys such as version, mode, default, allow and deny");
    }

    @Test
    void unknownKeysSuggestTheNearestKnownKey() {
        assertThat(problems("""
                version: 1
                mdoe: audit
                dns:
                  upstream: [127.0.0.1]
                allow:
                  domain: [github.com]
                  cidrs:
                    - cidr: 10.0.0.0/8
                      port: [22]
                deny:
                  whatever: 1
                """)).containsExactly(
                "p.yaml:2:1: error: unknown key 'mdoe'; did you mean 'mode'?",
                "p.yaml:4:3: error: unknown key 'dns.upstream'; did you mean 'upstreams'?",
                "p.yaml:6:3: error: unknown key 'allow.domain'; did you mean 'domains'?",
                "p.yaml:9:7: error: unknown key 'allow.cidrs[].port'; did you mean 'ports'?",
                "p.yaml:11:3: error: unknown key 'deny.whatever'; known here: domains, cidrs");
    }

    @Test
    void duplicateKeysAreErrors() {
        assertThat(problems("version: 1\nmode: audit\nmode: enforce\n")).containsExactly(
                "p.yaml:3:1: error: duplicate key 'mode' (first at line 2)");
    }

    @Test
    void wrongTypes() {
        assertThat(problems("""
                version: 1
                mode: block
                default: [deny]
                loopback: yes
                allowRawSockets: "no"
                dns: 53
                allow: github.com
                deny:
                  domains: github.com
                  cidrs: {cidr: 10.0.0.0/8}
                """)).containsExactly(
                "p.yaml:2:7: error: 'mode' must be enforce | audit, not 'block'",
                "p.yaml:3:10: error: 'default' must be allow | deny, not a list",
                "p.yaml:4:11: error: 'loopback' must be allow | rules, not 'yes'",
                "p.yaml:5:18: error: 'allowRawSockets' must be true or false, not 'no'",
                "p.yaml:6:6: error: 'dns' must be a mapping with upstreams, blockedResponse, upstreamTimeoutMs or blockPrivateAnswers",
                "p.yaml:7:8: error: 'allow' must be a mapping with 'domains' and/or 'cidrs'",
                "p.yaml:9:12: error: 'deny.domains' must be a list of domain names, not 'github.com'",
                "p.yaml:10:10: error: 'deny.cidrs' must be a list of prefixes, not a mapping");
    }

    @Test
    void limitsReadAsTheOptionsDo() {
        PolicyFileParser.Result r = parse("version: 1\nlimits:\n  memory: 512M\n  cpu: 0.5\n  pids: 100\n");
        assertThat(r.problems()).isEmpty();
        assertThat(r.policy().limits()).isEqualTo(new dev.cordon.policy.Limits(dev.cordon.policy.Limits.parseMemory("512M"),
                new java.math.BigDecimal("0.5"), 100L));
        assertThat(parse("version: 1\nlimits: {memory: 1048576}\n").policy().limits().memory().bytes()).isEqualTo(1L << 20);
        assertThat(parse("version: 1\n").policy().limits()).isEqualTo(dev.cordon.policy.Limits.NONE);
        assertThat(problems("""
                version: 1
                limits:
                  memory: lots
                  cpu: [1]
                  pids: 0
                  disk: 1G
                  egressRate: 10Mb
                """)).containsExactly(
                "p.yaml:3:11: error: 'limits.memory': memory 'lots' is not a size; use e.g. 512M, 1.5G or 1048576 (bytes)",
                "p.yaml:4:8: error: 'limits.cpu' must be a value such as 512M, 0.5 or 100, not a list",
                "p.yaml:5:9: error: 'limits.pids': pids 0 is below 1: the command itself is a process",
                "p.yaml:6:3: error: unknown key 'limits.disk'; known here: memory, cpu, pids, egressRate",
                "p.yaml:7:15: error: 'limits.egressRate': rate '10Mb' is not a bandwidth; use e.g. 10Mbit, 500kbit, 2MB/s or 512KiB/s");
        assertThat(parse("version: 1\nlimits: {egressRate: 2MB/s}\n").policy().limits().egressRate().bytesPerSecond()).isEqualTo(2_000_000);
    }

    @Test
    void badDnsSettings() {
        assertThat(problems("""
                version: 1
                dns:
                  upstreams: [127.0.0.1:99999, resolver.example, "[::1", 10.0.0.1:abc]
                  blockedResponse: drop
                  upstreamTimeoutMs: 0
                """)).containsExactly(
                "p.yaml:3:15: error: bad upstream '127.0.0.1:99999': port 99999 is out of range",
                "p.yaml:3:32: error: bad upstream 'resolver.example': give an IP address, not a name",
                "p.yaml:3:50: error: bad upstream '[::1': missing ']'",
                "p.yaml:3:58: error: bad upstream '10.0.0.1:abc': port 'abc' is not a number",
                "p.yaml:4:20: error: 'dns.blockedResponse' must be nxdomain | refused, not 'drop'",
                "p.yaml:5:22: error: 'dns.upstreamTimeoutMs' must be from 1 to 600000 ms, not 0");
        assertThat(problems("version: 1\ndns:\n  upstreams: []\n  upstreamTimeoutMs: 2s\n")).containsExactly(
                "p.yaml:3:14: error: 'dns.upstreams' is empty: list servers, or leave it out for /etc/resolv.conf",
                "p.yaml:4:22: error: 'dns.upstreamTimeoutMs' must be a number of milliseconds, not '2s'");
    }

    @Test
    void badCidrsKeepCidrParseBehaviour() {
        int lookups = NoDnsResolverProvider.lookups().size();
        assertThat(problems("""
                version: 1
                deny:
                  cidrs:
                    - 10.1.2.3/8
                    - 10.0.0.0/33
                    - github.com
                    - cidr: 300.0.0.1
                    - ports: [22]
                    - [10.0.0.0/8]
                """)).containsExactly(
                "p.yaml:4:7: error: bad CIDR '10.1.2.3/8': host bits are set; did you mean 10.0.0.0/8?",
                "p.yaml:5:7: error: bad CIDR '10.0.0.0/33': prefix length 33 is longer than 32",
                "p.yaml:6:7: error: bad CIDR 'github.com': 'github.com' is not an IP address",
                "p.yaml:7:13: error: bad CIDR '300.0.0.1': octet 300 is larger than 255",
                "p.yaml:8:7: error: a CIDR rule with ports needs 'cidr', e.g. {cidr: 192.0.2.0/24, ports: [443]}",
                "p.yaml:9:7: error: expected a prefix such as 10.0.0.0/8, not a list");
        assertThat(NoDnsResolverProvider.lookups()).as("no name is ever looked up").hasSize(lookups);
    }

    @Test
    void badPorts() {
        assertThat(problems("""
                version: 1
                allow:
                  cidrs:
                    - cidr: 10.0.0.0/8
                      ports: [0, 65536, "90-80", "http", 1.5, 22]
                    - cidr: 10.1.0.0/16
                      ports: []
                    - cidr: 10.2.0.0/16
                      ports: 443
                """)).containsExactly(
                "p.yaml:5:15: error: bad port '0': 0 is not in 1-65535",
                "p.yaml:5:18: error: bad port '65536': 65536 is not in 1-65535",
                "p.yaml:5:25: error: bad port range '90-80': 90 is greater than 80",
                "p.yaml:5:34: error: bad port 'http': give a number from 1 to 65535 or a range LO-HI",
                "p.yaml:5:42: error: a port is a number (443) or a range (\"8000-8100\"), not '1.5'",
                "p.yaml:7:14: error: 'ports' is empty: list ports, or leave 'ports' out for every port",
                "p.yaml:9:14: error: 'ports' must be a list such as [443, \"8000-8100\"], not '443'");
    }

    @Test
    void badDomainsAndPortsOnDomains() {
        assertThat(problems("""
                version: 1
                deny:
                  domains:
                    - bad..name
                    - "*.x*.com"
                    - github.com:443
                    - {domain: github.com, ports: [443]}
                    - {name: github.com}
                    - ""
                """)).containsExactly(
                "p.yaml:4:7: error: domain 'bad..name' has an empty label",
                "p.yaml:5:7: error: domain '*.x*.com': a wildcard is only allowed as the whole first label, as in *.example.com",
                "p.yaml:6:7: error: ports on a domain rule are not supported ('github.com:443'): ports apply to CIDR rules; "
                        + "a domain rule covers every port",
                "p.yaml:7:7: error: ports on a domain rule are not supported: ports apply to CIDR rules; a domain rule covers every port",
                "p.yaml:8:7: error: a domain rule is a plain string such as github.com or \"*.github.com\"",
                "p.yaml:9:7: error: empty domain name");
    }

    @Test
    void contradictionsAreErrors() {
        assertThat(problems("""
                version: 1
                allow:
                  domains: [github.com]
                  cidrs:
                    - 192.0.2.0/24
                    - cidr: 10.0.0.0/8
                      ports: [443, 8000-8100]
                deny:
                  domains: [GitHub.com.]
                  cidrs:
                    - cidr: 192.0.2.0/24
                      ports: [22]
                    - cidr: 10.0.0.0/8
                      ports: [8080]
                    - cidr: 10.0.0.0/8
                      ports: [22]
                """)).containsExactly(
                "p.yaml:9:13: error: github.com is both allowed (line 3) and denied: remove one",
                "p.yaml:11:13: error: 192.0.2.0/24 port 22 is both allowed (line 5) and denied: remove one, or split the ports",
                "p.yaml:13:13: error: 10.0.0.0/8 port 8080 is both allowed (line 6 ports 443,8000-8100) and denied: remove one, "
                        + "or split the ports");
    }

    @Test
    void duplicatesAndRedundantRulesAreWarnings() {
        PolicyFileParser.Result r = parse("""
                version: 1
                default: deny
                allow:
                  domains:
                    - github.com
                    - github.com
                    - api.github.com
                    - "*.github.com"
                  cidrs:
                    - 10.0.0.0/8
                    - 10.1.0.0/16
                    - 10.0.0.0/8
                    - 127.0.0.2
                deny:
                  domains:
                    - evil.example
                    - gist.github.com
                    - x.gist.github.com
                  cidrs:
                    - cidr: 10.2.0.0/16
                      ports: [22]
                    - cidr: 10.2.3.0/24
                      ports: [22]
                    - cidr: 10.2.4.0/24
                      ports: [23]
                """);
        assertThat(r.valid()).isTrue();
        assertThat(r.policy()).isNotNull();
        assertThat(r.problems().stream().map(p -> p.format("p.yaml"))).containsExactly(
                "p.yaml:6:7: warning: duplicate rule: github.com is already allowed at line 5",
                "p.yaml:7:7: warning: redundant rule: api.github.com is already allowed by *.github.com (line 8)",
                "p.yaml:8:7: warning: redundant rule: *.github.com is already allowed by github.com (line 5)",
                "p.yaml:11:7: warning: redundant rule: 10.1.0.0/16 is already allowed by 10.0.0.0/8 (line 10)",
                "p.yaml:12:7: warning: duplicate rule: 10.0.0.0/8 is already allowed at line 10",
                "p.yaml:13:7: warning: redundant rule: 127.0.0.2/32 is already allowed by loopback: allow",
                "p.yaml:16:7: warning: redundant rule: evil.example is denied by default anyway (default: deny)",
                "p.yaml:18:7: warning: redundant rule: x.gist.github.com is already denied by gist.github.com (line 17)",
                "p.yaml:22:13: warning: redundant rule: 10.2.3.0/24 port 22 is already denied by 10.2.0.0/16 (line 20)");
    }

    @Test
    void aCidrAgreeingWithTheDefaultIsNotRedundant() {
        // a CIDR allow also outranks addresses only a blocked name resolved to, so it still changes something
        assertThat(parse("version: 1\nallow:\n  cidrs: [10.0.0.0/8]\n").problems()).isEmpty();
        assertThat(parse("version: 1\ndefault: deny\ndeny:\n  cidrs: [10.0.0.0/8]\n").problems()).isEmpty();
    }

    @Test
    void aPrefixNeedingMoreThanEightPortRangesIsAnError() {
        StringBuilder y = new StringBuilder("version: 1\nencryptedDns: allow\ndeny:\n  cidrs:\n    - cidr: 10.0.0.0/8\n      ports: [");
        for (int i = 1; i <= 9; i++) y.append(i * 100).append(i < 9 ? ", " : "]\n");
        assertThat(problems(y.toString())).containsExactly(
                "p.yaml:5:13: error: prefix 10.0.0.0/8 needs 9 port ranges once merged with the prefixes that contain it; "
                        + "the kernel holds at most 8: join ports into ranges or use fewer port rules on it");
        // eight fit
        assertThat(problems(y.toString().replace(", 900]", "]"))).isEmpty();
    }

    @Test
    void problemsComeInFileOrderAndAllAtOnce() {
        List<PolicyProblem> p = parse("version: 3\nmode: x\nallow:\n  domains: [a..b]\n").problems();
        assertThat(p).extracting(PolicyProblem::line).containsExactly(1, 2, 4);
        assertThat(p).allMatch(PolicyProblem::isError);
    }
}
