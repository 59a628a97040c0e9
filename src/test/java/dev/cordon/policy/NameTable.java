package dev.cordon.policy;

import java.time.Duration;
import java.util.List;

/**
 * One table of names, shared by the unit test of {@link DomainSuffixTable} and the kernel test that
 * sends each of them in real first bytes ({@code it.FirstBytesIT}): both must come to what
 * {@link DomainPolicy#decide} says. The rules cover what the policy's semantics turn on: label
 * boundaries, a more specific allow inside a deny (and the reverse), {@code *.x} for subdomains only,
 * the same pattern allowed and denied, case, a trailing dot, names no rule matches.
 */
public final class NameTable {
    private NameTable() {}

    public static final List<String> ALLOW = List.of("api.github.com", "*.githubusercontent.com", "evil.test", "shared.test",
            "internal.example", "a_b-c.example");
    public static final List<String> DENY = List.of("github.com", "objects.githubusercontent.com", "*.evil.test", "shared.test",
            "x.internal.example", "com.example");
    /** Rehearsed as down (the kernel test runs it with --simulate-outage). */
    public static final List<String> OUTAGE = List.of("down.test", "*.deep.down2.test");

    public static final List<String> NAMES = List.of(
            "github.com", "api.github.com", "a.api.github.com", "gist.github.com", "evilgithub.com", "github.co",
            "githubusercontent.com", "raw.githubusercontent.com", "objects.githubusercontent.com",
            "a.objects.githubusercontent.com", "x.raw.githubusercontent.com",
            "evil.test", "x.evil.test", "y.x.evil.test", "notevil.test",
            "shared.test", "a.shared.test",
            "internal.example", "x.internal.example", "y.x.internal.example", "xx.internal.example",
            "com.example", "a.com.example", "example", "a_b-c.example", "z.a_b-c.example",
            "unlisted.test", "com", "test",
            "GitHub.COM", "API.GitHub.com", "github.com.", "Api.Github.Com.",
            "down.test", "a.down.test", "deep.down2.test", "x.deep.down2.test", "down2.test");

    public static DomainPolicy policy(Action defaultAction) {
        return DomainPolicy.of(ALLOW.stream().map(DomainPattern::parse).toList(), DENY.stream().map(DomainPattern::parse).toList(),
                defaultAction);
    }

    public static OutagePlan outage() {
        return new OutagePlan(OUTAGE.stream().map(DomainPattern::parse).toList(), OutageStyle.TIMEOUT, Duration.ofSeconds(2));
    }
}
