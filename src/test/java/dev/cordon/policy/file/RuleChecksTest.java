package dev.cordon.policy.file;

import dev.cordon.policy.Action;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.EncryptedDns;
import dev.cordon.policy.Loopback;
import dev.cordon.policy.PortRange;
import dev.cordon.policy.file.PolicyFile.CidrEntry;
import dev.cordon.policy.file.PolicyFile.DomainEntry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The indexed checks say exactly what the every-rule-against-every-rule reference says, and their
 * work grows linearly with the rules (counted index probes, not time: a timed test would flake).
 */
class RuleChecksTest {
    private static final List<List<PortRange>> PORTS = List.of(List.of(), List.of(PortRange.of(443)),
            List.of(PortRange.of(80), PortRange.of(443)), List.of(new PortRange(1000, 2000)), List.of(PortRange.of(853)),
            List.of(new PortRange(400, 500)));

    /** Small universes, so duplicates, contradictions, parents and wildcards collide often. */
    private static PolicyFile random(Random r, int n) {
        String[] labels = {"a", "b", "c"};
        List<DomainEntry> domains = new ArrayList<>();
        List<CidrEntry> cidrs = new ArrayList<>();
        int line = 1;
        for (int i = 0; i < n; i++) {
            StringBuilder name = new StringBuilder("test");
            for (int depth = r.nextInt(3); depth >= 0; depth--) name.insert(0, labels[r.nextInt(labels.length)] + ".");
            DomainPattern p = DomainPattern.parse((r.nextInt(3) == 0 ? "*." : "") + name);
            domains.add(new DomainEntry(p, r.nextBoolean() ? Action.ALLOW : Action.DENY, line++, 5));
        }
        for (int i = 0; i < n; i++) {
            cidrs.add(new CidrEntry(randomCidr(r), PORTS.get(r.nextInt(PORTS.size())), r.nextBoolean() ? Action.ALLOW : Action.DENY,
                    line++, 7));
        }
        return new PolicyFile("p.yaml", null, r.nextBoolean() ? Action.ALLOW : Action.DENY,
                r.nextBoolean() ? Loopback.ALLOW : Loopback.RULES, null, null, null, null, domains, cidrs,
                r.nextBoolean() ? EncryptedDns.Setting.ALLOW : EncryptedDns.Setting.BLOCK, null, dev.cordon.policy.Limits.NONE);
    }

    private static Cidr randomCidr(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> Cidr.parse(List.of("127.0.0.0/8", "127.0.0.1", "::1", "127.0.0.0/16", "0.0.0.0/0", "::/0").get(r.nextInt(6)));
            case 1 -> Cidr.masked(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, (byte) r.nextInt(2), 0, 0, 0, 0, 0, 0, 0, 0, 0,
                    (byte) r.nextInt(2)}, List.of(32, 48, 64, 128).get(r.nextInt(4)));
            default -> Cidr.masked(new byte[] {10, (byte) r.nextInt(2), (byte) r.nextInt(2), (byte) r.nextInt(3)},
                    List.of(8, 16, 24, 32, 31).get(r.nextInt(5)));
        };
    }

    @Test
    void sameDiagnosticsAsTheReferenceOnRandomPolicies() {
        for (int seed = 0; seed < 400; seed++) {
            Random r = new Random(seed);
            PolicyFile p = random(r, 1 + r.nextInt(40));
            assertThat(RuleChecks.check(p)).as("seed %d", seed).isEqualTo(QuadraticRuleChecks.check(p));
        }
    }

    @Test
    void theReferenceComparisonFindsEveryKindOfProblem() {
        // the differential test above would be empty if the random policies never produced these
        List<String> seen = new ArrayList<>();
        for (int seed = 0; seed < 400; seed++) {
            for (PolicyProblem pr : RuleChecks.check(random(new Random(seed), 30))) seen.add(pr.message());
        }
        assertThat(seen).anyMatch(m -> m.startsWith("duplicate rule: ") && m.contains("port"));
        assertThat(seen).anyMatch(m -> m.startsWith("duplicate rule: *."));
        assertThat(seen).anyMatch(m -> m.contains(" is both ") && m.contains("split the ports"));
        assertThat(seen).anyMatch(m -> m.contains(" is both ") && m.endsWith("remove one"));
        assertThat(seen).anyMatch(m -> m.startsWith("redundant rule: *.") && m.contains(" by ") && m.contains("(line "));
        assertThat(seen).anyMatch(m -> m.startsWith("redundant rule: ") && m.contains("by default anyway"));
        assertThat(seen).anyMatch(m -> m.startsWith("redundant rule: ") && m.contains("by loopback: allow"));
        assertThat(seen).anyMatch(m -> m.startsWith("redundant rule: 10.") && m.contains(" (line "));
    }

    @Test
    void probesGrowLinearlyWithTheRules() {
        long small = probes(10_000), large = probes(40_000);
        // a scan of all rules per rule would be 10^8 and 1.6 * 10^9; the index needs a few per rule
        assertThat(small).isLessThan(10L * 2 * 10_000);
        assertThat(large).isLessThan(10L * 2 * 40_000);
        assertThat(large).isLessThanOrEqualTo(small * 4 + 100);
    }

    /** What the bench loads: n names under one parent (plus the parent and a wildcard), n host prefixes of one /8. */
    private static long probes(int n) {
        List<DomainEntry> domains = new ArrayList<>();
        List<CidrEntry> cidrs = new ArrayList<>();
        domains.add(new DomainEntry(DomainPattern.parse("scale.test"), Action.ALLOW, 1, 1));
        domains.add(new DomainEntry(DomainPattern.parse("*.scale.test"), Action.DENY, 2, 1));
        cidrs.add(new CidrEntry(Cidr.parse("10.0.0.0/8"), List.of(), Action.DENY, 3, 1));
        for (int i = 0; i < n; i++) {
            domains.add(new DomainEntry(DomainPattern.parse("d" + i + ".scale.test"), Action.ALLOW, 4 + i, 1));
            cidrs.add(new CidrEntry(Cidr.masked(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}, 32),
                    List.of(), Action.ALLOW, 4 + n + i, 1));
        }
        PolicyFile p = new PolicyFile("p.yaml", null, Action.DENY, null, null, null, null, null, domains, cidrs);
        RuleChecks.Probes probes = new RuleChecks.Probes();
        List<PolicyProblem> problems = RuleChecks.check(p, probes);
        assertThat(problems).isEmpty(); // every rule changes something: no warnings to print
        return probes.count();
    }
}
