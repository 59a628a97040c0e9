package dev.cordon.report.live;

import dev.cordon.events.DnsEvent;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.NetEvent;
import dev.cordon.events.ProcessTable;
import dev.cordon.policy.DomainName;
import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.AttemptKind;
import dev.cordon.report.model.Verdict;

import java.util.ArrayList;
import java.util.List;

/** The live event records as report attempts: the same fields the events file carries. */
public final class LiveAttempts {
    private LiveAttempts() {}

    /** The destination a report names this attempt by ({@link Attempt#destination()}): its domain, else address:port. */
    public static String destination(NetAttempt a) {
        return of(a, verdict(a.event().verdict()), null, -1, null).destination();
    }

    /** The destination a report names this query by: the name asked. */
    public static String destination(DnsEvent e) {
        return of(e, verdict(e.verdict()), null, -1).destination();
    }

    /** Exhaustive, so a verdict the event package adds cannot compile until a report knows what it is. */
    static Verdict verdict(dev.cordon.events.Verdict v) {
        return switch (v) {
            case ALLOWED -> Verdict.ALLOWED;
            case BLOCKED -> Verdict.BLOCKED;
            case AUDITED -> Verdict.AUDITED;
            case OUTAGE -> Verdict.OUTAGE;
        };
    }

    /** The queried name first (the destination), then the answer's other names, which the query needed as well. */
    private static List<String> names(DnsEvent e) {
        List<String> out = new ArrayList<>();
        out.add(DomainName.canonical(e.domain()));
        for (String c : e.chain()) {
            String n = DomainName.canonical(c);
            if (!out.contains(n)) out.add(n);
        }
        return out;
    }

    /** The executable as the events file writes it, or null. */
    static String exe(ProcessTable.Attribution who) {
        return who.exe() == null ? null : who.exe().shown();
    }

    static Attempt of(DnsEvent e, Verdict verdict, String outageStyle, long waitedMs) {
        return new Attempt(e.time(), AttemptKind.DNS, verdict, e.who().pid(), e.who().commandLine(), exe(e.who()), e.who().task(),
                e.who().line(),
                names(e), null, 0, e.transport(), e.qtype(), e.rule(), e.reason(),
                e.addresses(), outageStyle, waitedMs, null);
    }

    static Attempt of(NetAttempt a, Verdict verdict, String outageStyle, long waitedMs, String waitEnd) {
        NetEvent e = a.event();
        AttemptKind kind = switch (e.hook()) {
            case CONNECT -> AttemptKind.CONNECT;
            case SENDMSG -> AttemptKind.SENDMSG;
            case SOCKET -> AttemptKind.SOCKET;
            case TLS -> AttemptKind.TLS;
            case HTTP -> AttemptKind.HTTP;
        };
        List<String> domains = new ArrayList<>();
        if (a.domain() != null) for (String d : a.domain().split(",")) if (!d.isBlank()) domains.add(DomainName.canonical(d));
        return new Attempt(a.time(), kind, verdict, e.process().pid(), a.who().commandLine(), exe(a.who()), a.who().task(),
                a.who().line(), domains,
                e.ip(), e.port(),
                e.protocolName(), null, a.rule(), a.reason(), List.of(), outageStyle, waitedMs, waitEnd);
    }
}
