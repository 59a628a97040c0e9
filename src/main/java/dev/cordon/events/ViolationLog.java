package dev.cordon.events;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One logfmt line per blocked, audited or simulated-outage attempt or query, on cordon's stderr,
 * and per TLS connection whose ClientHello hid the name it asked for (ECH, allowed by its outer name).
 *
 * <p>Coalesced, so a flood cannot bury the terminal: at most {@link #PER_DESTINATION} lines for
 * one destination (kind, verdict and name or address) from one task (under {@code cordon guard}: a
 * task that tries what another task already tried many times is still named), and at most {@link #PER_RULE} for one
 * rule (kind, verdict, rule, reason: e.g. 100 000 random names under {@code default:deny}). The
 * first line held back for a rule says so; the end of the run says how many were held back. The
 * events file ({@code --events}) and the report keep every attempt either way.
 */
public final class ViolationLog implements EventSink {
    public static final int PER_DESTINATION = 10, PER_RULE = 100;
    /** Bounds on the counting tables themselves; past them, counts go to one "other" entry. */
    private static final int MAX_DESTINATIONS = 4096, MAX_RULES = 256;
    private static final String OTHER = "(other rules)";

    private final PrintWriter err;
    private final int perDestination, perRule;
    private final Map<String, Integer> byDestination = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > MAX_DESTINATIONS;
        }
    };
    private final Map<String, int[]> byRule = new LinkedHashMap<>(); // shown, held back
    private long heldBack;

    public ViolationLog(PrintWriter err) {
        this(err, PER_DESTINATION, PER_RULE);
    }

    public ViolationLog(PrintWriter err, int perDestination, int perRule) {
        this.err = err;
        this.perDestination = perDestination;
        this.perRule = perRule;
    }

    @Override
    public synchronized void attempt(NetAttempt a) {
        NetEvent e = a.event();
        boolean ech = e.firstBytes() != null && e.firstBytes().ech(); // allowed, but the name it asked for is hidden
        if (e.verdict() == Verdict.ALLOWED && !ech) return;
        String head = e.hook().name() + " " + e.verdict().name();
        String destination = e.hook() == Hook.SOCKET ? "raw" : e.ip() + " " + e.port() + " " + e.protocolName();
        if (e.hook().firstBytes()) destination += " " + a.domain();
        if (show(head, destination, a.who(), a.rule(), a.reason())) print(Formats.logfmt(a));
    }

    @Override
    public synchronized void dns(DnsEvent e) {
        if (e.verdict() == Verdict.ALLOWED) return;
        if (show("DNS " + e.verdict().name(), e.domain(), e.who(), e.rule(), e.reason())) print(Formats.logfmt(e));
    }

    private boolean show(String head, String destination, ProcessTable.Attribution who, String rule, String reason) {
        String ruleKey = head + " rule=" + Escape.logfmt(String.valueOf(rule)) + (reason == null ? "" : " reason=" + Escape.logfmt(reason));
        int[] r = byRule.get(ruleKey);
        if (r == null) {
            if (byRule.size() >= MAX_RULES) ruleKey = head + " " + OTHER;
            r = byRule.computeIfAbsent(ruleKey, k -> new int[2]);
        }
        String task = who == null || who.task() == null ? "" : " task=" + who.task();
        int seen = byDestination.merge(head + " " + destination + task, 1, Integer::sum);
        if (r[0] < perRule && seen <= perDestination) {
            r[0]++;
            return true;
        }
        if (r[1]++ == 0) {
            print("cordon: more " + ruleKey + " lines are held back (at most " + perDestination + " per destination and "
                    + perRule + " per rule are shown); the count comes at the end, --events FILE keeps every one");
        }
        heldBack++;
        return false;
    }

    private void print(String line) {
        err.println(line);
        err.flush();
    }

    /** Lines held back so far. */
    public synchronized long heldBack() {
        return heldBack;
    }

    @Override
    public synchronized void runEnded(RunEnd end) {
        for (var e : byRule.entrySet()) {
            int[] r = e.getValue();
            if (r[1] > 0) print("cordon: " + r[1] + " " + e.getKey() + " line(s) not shown (" + r[0] + " shown)");
        }
    }
}
