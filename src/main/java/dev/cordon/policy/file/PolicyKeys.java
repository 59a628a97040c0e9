package dev.cordon.policy.file;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Every key of format version 1, by the mapping it belongs to. The parser accepts exactly these
 * and the JSON Schema must list exactly these (a unit test compares both).
 */
public final class PolicyKeys {
    private PolicyKeys() {}

    public static final String TOP = "", DNS = "dns", LIMITS = "limits", RULES = "allow/deny", CIDR = "cidr rule";

    public static final Map<String, List<String>> BY_MAPPING = Map.of(
            TOP, List.of("version", "mode", "default", "loopback", "allowRawSockets", "encryptedDns", "dns", "limits", "allow",
                    "deny"),
            DNS, List.of("upstreams", "blockedResponse", "upstreamTimeoutMs", "blockPrivateAnswers"),
            LIMITS, List.of("memory", "cpu", "pids", "egressRate"),
            RULES, List.of("domains", "cidrs"),
            CIDR, List.of("cidr", "ports"));

    /** The known key closest to a misspelt one, if it is close enough to be a likely typo. */
    public static String nearest(String key, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key.toLowerCase(java.util.Locale.ROOT), k.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 3) ? best : null;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
