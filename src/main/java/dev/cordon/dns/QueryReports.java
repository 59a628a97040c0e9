package dev.cordon.dns;

import dev.cordon.events.DnsEvent;
import dev.cordon.events.EventSink;
import dev.cordon.events.OutageWait;
import dev.cordon.events.ProcessRef;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.Verdict;
import dev.cordon.policy.Mode;

import java.time.Instant;
import java.util.List;

/**
 * Who asked, and what the proxy decided about it: the kernel's record of the query's sender (by
 * client port and transaction id), named through the process table, in a {@link DnsEvent} for the
 * sinks. An allowed query is attributed and reported only when a sink records allowed queries
 * (the events file, a report, OTLP with --otlp-all): otherwise no one would read it.
 *
 * <p>Between nested guards' proxies ({@link ProxyChain}): the inner one names the sender to the
 * outer one in an {@link OwnerOption}; the outer one believes it only for a query its own kernel
 * has no sender for, with its token, and only for a pid its own process table knows.
 */
final class QueryReports {
    /** Who asked a query the kernel has no sender for. */
    static final ProcessTable.Attribution NOBODY = new ProcessTable.Attribution(0, 0, List.of("?"), ProcessTable.Source.COMM);

    private final QueryOwnerLookup owners;
    private final ProcessTable processes;
    private final EventSink sink;
    private final DnsCounters counters;
    private final boolean recordsAllowed;
    private final ProxyChain chain;

    QueryReports(QueryOwnerLookup owners, ProcessTable processes, EventSink sink, DnsCounters counters, boolean recordsAllowed,
                 ProxyChain chain) {
        this.owners = owners;
        this.processes = processes;
        this.sink = sink;
        this.counters = counters;
        this.recordsAllowed = recordsAllowed;
        this.chain = chain;
    }

    boolean recordsAllowed() {
        return recordsAllowed;
    }

    /** The process that sent {@code q}, as the kernel recorded it when the query left that process. */
    ProcessTable.Attribution who(Query q, Client client) {
        ProcessRef ref = owners.owner(client.sourcePort(), q.id(), client.transport()).orElse(null);
        if (ref != null) return processes.lookup(ref);
        ProcessTable.Attribution lent = believed(q) ? processes.known(q.lent().pid(), q.lent().cgroupId()) : null;
        if (lent != null) return lent;
        counters.unattributed.incrementAndGet();
        return NOBODY;
    }

    /** Whether {@code q} came with an owner option this proxy believes (its kernel is asked first: a sender it knows is never overruled). */
    private boolean believed(Query q) {
        return q.lent() != null && q.lent().shows(chain.token());
    }

    /**
     * The bytes to send upstream for {@code q}: to an outer guard's proxy with an {@link OwnerOption}
     * naming the sender (the kernel's, or the one an inner proxy named and this one believes); else as it came.
     */
    byte[] upstreamBytes(Query q, Client client) {
        if (chain.outerToken() == null) return q.raw();
        ProcessRef ref = owners.owner(client.sourcePort(), q.id(), client.transport()).orElse(null);
        if (ref != null) return OwnerOption.add(q.raw(), chain.outerToken(), ref.pid(), ref.cgroupId());
        if (believed(q)) return OwnerOption.add(q.raw(), chain.outerToken(), q.lent().pid(), q.lent().cgroupId());
        return q.raw();
    }

    /**
     * One decided query.
     *
     * @param blocked  the name that matched a deny or outage rule (the question or one of its chain), or null
     * @param decision the verdict, the reason, the rule label and the mode and firewall method of the judge
     * @param answered what the answer held: its addresses and the other names of its chain (empty when not asked)
     * @param wait     how a --simulate-outage name was answered and after how long, or null
     */
    void emit(Query q, Client client, ProcessTable.Attribution who, Judgement decision, String blocked, Answered answered,
              OutageWait wait) {
        Instant time = wait == null ? Instant.now() : Instant.now().minusMillis(wait.waitedMs());
        sink.dns(new DnsEvent(time, q.name(), q.typeName(), decision.verdict(), decision.reason(), blocked, decision.rule(), who,
                decision.mode(), decision.firewallMethod(), client.transport().label(), answered.addresses(), wait,
                answered.others()));
    }

    /** What the event says was decided, and under which settings. */
    record Judgement(Verdict verdict, String reason, String rule, Mode mode, String firewallMethod) {}

    /** What the answer held, as the event lists it. */
    record Answered(List<String> addresses, List<String> others) {
        static final Answered NOTHING = new Answered(List.of(), List.of());

        static Answered of(AnswerChain chain, Query q) {
            return new Answered(chain.addressTexts(), chain.others(q.name()));
        }
    }
}
