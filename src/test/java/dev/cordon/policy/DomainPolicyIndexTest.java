package dev.cordon.policy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The suffix-hash lookup decides exactly as the rule (most specific match, deny wins a tie) scanned over every rule. */
class DomainPolicyIndexTest {
    private static final String[] LABELS = {"a", "b", "c", "ex", "com"};

    private static String name(Random r) {
        int n = 1 + r.nextInt(4);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : ".").append(LABELS[r.nextInt(LABELS.length)]);
        return b.toString();
    }

    /** The reference: a scan over every rule, as DomainPolicy decided before it had an index. */
    private static DomainPolicy.Decision scan(DomainPolicy p, String name) {
        String n = DomainName.canonical(name);
        DomainRule best = null;
        for (DomainRule r : p.rules()) {
            if (!r.pattern().matches(n)) continue;
            if (best == null || r.pattern().specificity() > best.pattern().specificity()
                    || (r.pattern().specificity() == best.pattern().specificity() && r.action() == Action.DENY)) {
                best = r;
            }
        }
        return best == null ? new DomainPolicy.Decision(p.defaultAction(), java.util.Optional.empty())
                : new DomainPolicy.Decision(best.action(), java.util.Optional.of(best));
    }

    @Test
    void decidesAsAScanOverEveryRule() {
        Random r = new Random(42);
        for (int round = 0; round < 300; round++) {
            List<DomainPattern> allow = new ArrayList<>();
            List<DomainPattern> deny = new ArrayList<>();
            for (int i = r.nextInt(8); i > 0; i--) allow.add(DomainPattern.parse((r.nextBoolean() ? "*." : "") + name(r)));
            for (int i = r.nextInt(8); i > 0; i--) deny.add(DomainPattern.parse((r.nextBoolean() ? "*." : "") + name(r)));
            DomainPolicy p = DomainPolicy.of(allow, deny, r.nextBoolean() ? Action.ALLOW : Action.DENY);
            for (int q = 0; q < 50; q++) {
                String n = name(r) + (r.nextBoolean() ? "." : "");
                if (r.nextInt(10) == 0) n = n.toUpperCase(java.util.Locale.ROOT);
                assertThat(p.decide(n)).as("%s under %s", n, p.rules()).isEqualTo(scan(p, n));
            }
        }
    }
}
