package dev.cordon.policy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The suffix walk of {@link DomainPolicy#decide} picks what a scan of every rule by specificity picks. */
class DomainPolicyIndexTest {
    /** The definition: the most specific matching pattern; deny wins a tie; no match, the default. */
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
    void sameDecisionAsAScanOfEveryRule() {
        String[] labels = {"a", "b", "c", "ab"};
        for (int seed = 0; seed < 300; seed++) {
            Random r = new Random(seed);
            List<DomainRule> rules = new ArrayList<>();
            for (int i = r.nextInt(20); i >= 0; i--) {
                String name = name(r, labels);
                rules.add(new DomainRule(DomainPattern.parse((r.nextInt(3) == 0 ? "*." : "") + name),
                        r.nextBoolean() ? Action.ALLOW : Action.DENY, "t"));
            }
            DomainPolicy p = DomainPolicy.of(rules, r.nextBoolean() ? Action.ALLOW : Action.DENY);
            for (int q = 0; q < 30; q++) {
                String name = name(r, labels);
                if (r.nextInt(4) == 0) name = name.toUpperCase(java.util.Locale.ROOT) + ".";
                if (r.nextInt(10) == 0) name = "x..b." + name;
                assertThat(p.decide(name)).as("seed %d name %s", seed, name).isEqualTo(scan(p, name));
            }
        }
    }

    private static String name(Random r, String[] labels) {
        StringBuilder b = new StringBuilder(labels[r.nextInt(labels.length)]);
        for (int depth = r.nextInt(4); depth > 0; depth--) b.insert(0, labels[r.nextInt(labels.length)] + ".");
        return b.toString();
    }
}
