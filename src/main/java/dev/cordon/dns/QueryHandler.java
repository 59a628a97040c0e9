package dev.cordon.dns;

import dev.cordon.events.DnsEvent;
import dev.cordon.events.EventSink;
import dev.cordon.events.OutageWait;
import dev.cordon.events.ProcessRef;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.Verdict;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.DomainName;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.EncryptedDns;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import dev.cordon.policy.OutageStyle;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DNAMERecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SVCBBase;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides one query, independent of sockets: the unit the tests drive directly.
 *
 * <p>Order of work for an allowed query: forward, check every name of the answer chain, put the
 * answer's addresses into the kernel, and only then return the answer, so the command's next
 * connect() finds them. A blocked name is answered at once (NXDOMAIN or REFUSED) without asking
 * upstream.
 */
public final class QueryHandler {
    /** The rule= label of an answer refused by --block-private-answers. */
    public static final String PRIVATE_ANSWER_RULE = "dns:private-answer";

    /** Where the query came from. */
    public record Client(int sourcePort, Transport transport) {}

    private final DomainPolicy policy;
    private final Mode mode;
    private final BlockedResponse blockedResponse;
    private final Upstream upstream;
    private final LearnedAddresses learned;
    private final QueryOwnerLookup owners;
    private final ProcessTable processes;
    private final EventSink sink;
    private final DnsCounters counters;
    private final OutagePlan outage;
    private final boolean blockPrivateAnswers;
    /** Null: every query goes upstream (the tests' handlers, whose fake upstreams change answers). */
    private final AnswerCache cache;

    public QueryHandler(DomainPolicy policy, Mode mode, BlockedResponse blockedResponse, Upstream upstream,
                        LearnedAddresses learned, QueryOwnerLookup owners, ProcessTable processes, EventSink sink,
                        DnsCounters counters) {
        this(policy, mode, blockedResponse, upstream, learned, owners, processes, sink, counters, OutagePlan.NONE);
    }

    public QueryHandler(DomainPolicy policy, Mode mode, BlockedResponse blockedResponse, Upstream upstream,
                        LearnedAddresses learned, QueryOwnerLookup owners, ProcessTable processes, EventSink sink,
                        DnsCounters counters, OutagePlan outage) {
        this(policy, mode, blockedResponse, upstream, learned, owners, processes, sink, counters, outage, false);
    }

    /** @param blockPrivateAnswers refuse answers that give a public name a private address (DNS rebinding) */
    public QueryHandler(DomainPolicy policy, Mode mode, BlockedResponse blockedResponse, Upstream upstream,
                        LearnedAddresses learned, QueryOwnerLookup owners, ProcessTable processes, EventSink sink,
                        DnsCounters counters, OutagePlan outage, boolean blockPrivateAnswers) {
        this(policy, mode, blockedResponse, upstream, learned, owners, processes, sink, counters, outage, blockPrivateAnswers,
                null);
    }

    /** @param cache upstream answers to reuse for their TTL, or null for none */
    QueryHandler(DomainPolicy policy, Mode mode, BlockedResponse blockedResponse, Upstream upstream,
                 LearnedAddresses learned, QueryOwnerLookup owners, ProcessTable processes, EventSink sink,
                 DnsCounters counters, OutagePlan outage, boolean blockPrivateAnswers, AnswerCache cache) {
        this.cache = cache;
        this.blockPrivateAnswers = blockPrivateAnswers;
        this.outage = outage;
        this.policy = policy;
        this.mode = mode;
        this.blockedResponse = blockedResponse;
        this.upstream = upstream;
        this.learned = learned;
        this.owners = owners;
        this.processes = processes;
        this.sink = sink;
        this.counters = counters;
    }

    public DnsCounters counters() {
        return counters;
    }

    /** @return the reply to send, or null to send nothing (not even a header to answer) */
    public byte[] handle(byte[] raw, Client client) {
        return handle(raw, client, false);
    }

    /** What {@link #handleWithoutWaiting} returns when the query needs a worker (it may wait for upstream). */
    static final byte[] NEEDS_WORKER = new byte[0];

    /**
     * Whether the query can likely be answered without waiting: its answer is cached, or (enforce)
     * its name is denied. Read from the wire, without a full parse: {@link #handleWithoutWaiting}
     * decides for real and hands anything else back.
     */
    boolean answersWithoutWaiting(byte[] raw) {
        AnswerCache.Key k = AnswerCache.keyOf(raw);
        if (k == null) return false;
        if (cache != null && cache.has(k)) return true;
        String name = WireQuestion.dotted(k.name());
        return mode == Mode.ENFORCE && name != null && policy.decide(name).denied();
    }

    /**
     * Handles a query never waiting for upstream or a simulated outage: a denied name (enforce) or
     * a cached answer is answered; anything else returns {@link #NEEDS_WORKER} having done nothing
     * that counts. A cached name is allowed and not down (only such answers are stored; policy and
     * outage plan are fixed for the session).
     */
    byte[] handleWithoutWaiting(byte[] raw, Client client) {
        return handle(raw, client, true);
    }

    private byte[] handle(byte[] raw, Client client, boolean noWait) {
        long startNs = System.nanoTime();
        counters.queries.incrementAndGet();
        Message query;
        try {
            query = new Message(raw);
        } catch (IOException | RuntimeException e) {
            counters.malformed.incrementAndGet();
            return Responses.formErr(raw);
        }
        if (query.getHeader().getFlag(Flags.QR)) { // a response sent to us: ignore
            counters.malformed.incrementAndGet();
            return null;
        }
        if (query.getHeader().getOpcode() != Opcode.QUERY) return Responses.error(query, Rcode.NOTIMP);
        Record question = query.getQuestion();
        if (question == null || query.getHeader().getCount(Section.QUESTION) != 1) {
            counters.malformed.incrementAndGet();
            return Responses.error(query, Rcode.FORMERR);
        }
        String name = DomainName.absolute(question.getName().toString());
        String qtype = Type.string(question.getType());

        DomainPolicy.Decision decision = policy.decide(name);
        // Audit mode reports a denied request once its answer is in, so the record names what the
        // answer led to (CNAME targets) as well; until then it is pending here.
        ProcessTable.Attribution audited = null;
        if (decision.denied()) {
            ProcessTable.Attribution who = attribute(client, query);
            counters.blocked.incrementAndGet();
            if (mode == Mode.ENFORCE) {
                emit(name, qtype, Verdict.BLOCKED, reason(decision, DnsEvent.FROM_REQUEST), name, decision.ruleLabel(), who, client,
                        List.of());
                return Responses.error(query, blockedResponse.rcode());
            }
            audited = who;
        }
        Optional<DomainPattern> down = outage.match(name);
        if (noWait && down.isPresent()) { // never stored (see handleWithoutWaiting): a worker waits
            counters.queries.decrementAndGet();
            if (audited != null) counters.blocked.decrementAndGet();
            return NEEDS_WORKER;
        }
        if (down.isPresent() && outage.style() != OutageStyle.REFUSE) {
            if (audited != null) emitAudited(name, qtype, decision, audited, client, List.of(), List.of());
            return unreachable(query, name, qtype, name, down.get(), client, startNs);
        }

        AnswerCache.Key cacheKey = cache == null ? null : AnswerCache.keyOf(raw);
        AnswerCache.Hit hit = cacheKey == null ? null : cache.get(cacheKey, raw);
        if (hit == null && noWait) { // must go upstream (or expired since the check): a worker handles and counts it
            counters.queries.decrementAndGet();
            if (audited != null) counters.blocked.decrementAndGet();
            return NEEDS_WORKER;
        }
        byte[] answerBytes;
        Chain chain;
        boolean cacheable = false;
        if (hit != null) {
            counters.cacheHits.incrementAndGet();
            answerBytes = hit.bytes();
            chain = hit.chain();
        } else {
            Message answer;
            try {
                answerBytes = upstream.exchange(raw, client.transport());
                answer = new Message(answerBytes);
                cacheable = !answer.getHeader().getFlag(Flags.TC);
                if (client.transport() == Transport.UDP && answer.getHeader().getFlag(Flags.TC)) {
                    // Decide on the whole answer: a truncated one may hide names and addresses.
                    byte[] full = upstream.exchange(raw, Transport.TCP);
                    Message fullAnswer = new Message(full);
                    if (full.length <= Responses.maxUdpSize(query)) {
                        answerBytes = full;
                    }
                    answer = fullAnswer; // learn and check everything even if the client must retry over TCP
                }
            } catch (IOException | RuntimeException e) {
                counters.upstreamFailures.incrementAndGet();
                if (audited != null) emitAudited(name, qtype, decision, audited, client, List.of(), List.of());
                return Responses.error(query, Rcode.SERVFAIL);
            }
            // Not an answer to this question (or not a response at all: QR clear): never pass it on.
            if (!answer.getHeader().getFlag(Flags.QR) || answer.getQuestion() == null
                    || !answer.getQuestion().getName().equals(question.getName())
                    || answer.getQuestion().getType() != question.getType()) {
                counters.upstreamFailures.incrementAndGet();
                if (audited != null) emitAudited(name, qtype, decision, audited, client, List.of(), List.of());
                return Responses.error(query, Rcode.SERVFAIL);
            }
            chain = chain(answer);
        }
        String blockedName = decision.denied() ? name : null;
        String blockedRule = decision.ruleLabel();
        String blockedReason = DnsEvent.FROM_CNAME;
        if (blockedName == null) {
            for (String n : chain.names) {
                DomainPolicy.Decision d = policy.decide(n);
                if (d.denied()) {
                    blockedName = n;
                    blockedRule = d.ruleLabel();
                    blockedReason = reason(d, DnsEvent.FROM_CNAME);
                    break;
                }
            }
        }

        List<String> addresses = chain.addresses.stream().map(a -> a.ip.getHostAddress()).toList();
        List<String> others = chain.names.stream().filter(n -> !n.equals(name)).toList();
        if (blockedName != null) {
            // The addresses serve a blocked name: a later connect to them is caught and named.
            for (Addr a : chain.addresses) learned.learnDenied(a.ip, blockedName, a.ttl);
            if (audited != null) emitAudited(name, qtype, decision, audited, client, addresses, others);
            if (!decision.denied()) { // a CNAME led here; the request itself was reported above otherwise
                counters.blocked.incrementAndGet();
                Verdict v = mode == Mode.ENFORCE ? Verdict.BLOCKED : Verdict.AUDITED;
                emit(name, qtype, v, blockedReason, blockedName, blockedRule, attribute(client, query), client, addresses,
                        null, others);
                if (mode == Mode.ENFORCE) return Responses.error(query, blockedResponse.rcode());
            }
            return fitToClient(answerBytes, query, client); // audit: the client gets what it would without cordon
        }

        String downName = down.isPresent() ? name : null;
        for (var it = chain.names.iterator(); downName == null && it.hasNext(); ) {
            String n = it.next();
            if (outage.match(n).isPresent()) downName = n;
        }
        if (downName != null) {
            DomainPattern pattern = outage.match(downName).orElseThrow();
            if (outage.style() != OutageStyle.REFUSE) { // a CNAME into a dead domain fails to resolve, as it would
                return unreachable(query, name, qtype, downName, pattern, client, startNs);
            }
            // refuse: the name resolves; the kernel refuses connections to these addresses
            for (Addr a : chain.addresses) learned.learnOutage(a.ip, downName, a.ttl);
            counters.outage.incrementAndGet();
            emit(name, qtype, Verdict.OUTAGE, DnsEvent.SIMULATED_OUTAGE, downName, "outage:" + pattern,
                    attribute(client, query), client, addresses,
                    new OutageWait(outage.style().label(), elapsedMs(startNs), OutageWait.ANSWERED), others);
            return fitToClient(answerBytes, query, client);
        }

        if (blockPrivateAnswers && !PrivateAnswers.privateName(name)) {
            List<String> inside = chain.addresses.stream().filter(a -> PrivateAnswers.isPrivate(a.ip))
                    .map(a -> a.ip.getHostAddress()).toList();
            if (!inside.isEmpty()) {
                // Rebinding: never learned, so a later connect is judged as if the name had not answered.
                counters.blocked.incrementAndGet();
                Verdict v = mode == Mode.ENFORCE ? Verdict.BLOCKED : Verdict.AUDITED;
                emit(name, qtype, v, DnsEvent.PRIVATE_ANSWER, name, PRIVATE_ANSWER_RULE, attribute(client, query), client,
                        addresses, null, others);
                if (mode == Mode.ENFORCE) return Responses.error(query, blockedResponse.rcode());
                return fitToClient(answerBytes, query, client);
            }
        }
        for (Addr a : chain.addresses) learned.learnAllowed(a.ip, a.owner, a.ttl);
        // Allowed answers only: a blocked name never returns here.
        if (cacheable && cacheKey != null) cache.put(cacheKey, answerBytes, chain);
        emit(name, qtype, Verdict.ALLOWED, DnsEvent.FROM_REQUEST, null, decision.ruleLabel(), attribute(client, query),
                client, addresses, null, others);
        return fitToClient(answerBytes, query, client);
    }

    /**
     * A query for a --simulate-outage name: SERVFAIL, after the wait in timeout style, as a resolver
     * answers when the name's servers are gone. Holds only this query's virtual thread.
     */
    private byte[] unreachable(Message query, String name, String qtype, String downName, DomainPattern pattern,
                               Client client, long startNs) {
        counters.outage.incrementAndGet();
        ProcessTable.Attribution who = attribute(client, query);
        String end = OutageWait.ANSWERED;
        if (outage.style() == OutageStyle.TIMEOUT) {
            long remainingNs = outage.maxWait().toNanos() - (System.nanoTime() - startNs);
            try {
                if (remainingNs > 0) Thread.sleep(java.time.Duration.ofNanos(remainingNs));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the session is over: report the wait so far
                end = OutageWait.SESSION_END;
            }
        }
        emit(name, qtype, Verdict.OUTAGE, DnsEvent.SIMULATED_OUTAGE, downName, "outage:" + pattern, who, client,
                List.of(), new OutageWait(outage.style().label(), elapsedMs(startNs), end), List.of());
        return Responses.error(query, Rcode.SERVFAIL);
    }

    private static long elapsedMs(long startNs) {
        return (System.nanoTime() - startNs) / 1_000_000;
    }

    private void emitAudited(String name, String qtype, DomainPolicy.Decision decision, ProcessTable.Attribution who,
                             Client client, List<String> addresses, List<String> chain) {
        emit(name, qtype, Verdict.AUDITED, reason(decision, DnsEvent.FROM_REQUEST), name, decision.ruleLabel(), who, client,
                addresses, null, chain);
    }

    /** {@code EncryptedDNS} when the deciding rule is one of the encrypted-DNS list's, else {@code otherwise}. */
    private static String reason(DomainPolicy.Decision d, String otherwise) {
        return d.rule().filter(r -> EncryptedDns.isOrigin(r.origin())).isPresent() ? EncryptedDns.REASON : otherwise;
    }

    /** An answer too big for the client's UDP buffer becomes "ask again over TCP". */
    private static byte[] fitToClient(byte[] answerBytes, Message query, Client client) {
        if (client.transport() == Transport.UDP && answerBytes.length > Responses.maxUdpSize(query)) {
            return Responses.truncated(query);
        }
        return answerBytes;
    }

    record Addr(InetAddress ip, String owner, long ttl) {}

    record Chain(Set<String> names, List<Addr> addresses) {}


    /** Every name of the answer (owners, CNAME/DNAME and SVCB targets) and every address (A, AAAA, SVCB hints). */
    static Chain chain(Message answer) {
        Set<String> names = new LinkedHashSet<>();
        List<Addr> addrs = new ArrayList<>();
        for (Record r : answer.getSection(Section.ANSWER)) {
            String owner = DomainName.absolute(r.getName().toString());
            names.add(owner);
            switch (r) {
                case CNAMERecord c -> names.add(DomainName.absolute(c.getTarget().toString()));
                case DNAMERecord d -> names.add(DomainName.absolute(d.getTarget().toString()));
                case ARecord a -> addrs.add(new Addr(a.getAddress(), owner, r.getTTL()));
                case AAAARecord a -> addrs.add(new Addr(a.getAddress(), owner, r.getTTL()));
                case SVCBBase s -> {
                    Name target = s.getTargetName();
                    if (target != null && !target.equals(Name.root)) names.add(DomainName.absolute(target.toString()));
                    try {
                        if (s.getSvcParamValue(SVCBBase.IPV4HINT) instanceof SVCBBase.ParameterIpv4Hint h) {
                            for (InetAddress ip : h.getAddresses()) addrs.add(new Addr(ip, owner, r.getTTL()));
                        }
                        if (s.getSvcParamValue(SVCBBase.IPV6HINT) instanceof SVCBBase.ParameterIpv6Hint h) {
                            for (InetAddress ip : h.getAddresses()) addrs.add(new Addr(ip, owner, r.getTTL()));
                        }
                    } catch (java.net.UnknownHostException e) {
                        // a hint of the wrong length: nothing usable to learn from it
                    }
                }
                default -> { }
            }
        }
        return new Chain(names, addrs);
    }

    private ProcessTable.Attribution attribute(Client client, Message query) {
        ProcessRef ref = owners.owner(client.sourcePort(), query.getHeader().getID(), client.transport()).orElse(null);
        if (ref == null) {
            counters.unattributed.incrementAndGet();
            return new ProcessTable.Attribution(0, 0, List.of("?"), ProcessTable.Source.COMM);
        }
        return processes.lookup(ref);
    }

    private void emit(String name, String qtype, Verdict v, String reason, String blockedName, String rule,
                      ProcessTable.Attribution who, Client client, List<String> addresses) {
        emit(name, qtype, v, reason, blockedName, rule, who, client, addresses, null, List.of());
    }

    private void emit(String name, String qtype, Verdict v, String reason, String blockedName, String rule,
                      ProcessTable.Attribution who, Client client, List<String> addresses, OutageWait wait,
                      List<String> chain) {
        Instant time = wait == null ? Instant.now() : Instant.now().minusMillis(wait.waitedMs());
        sink.dns(new DnsEvent(time, name, qtype, v, reason, blockedName, rule, who, mode,
                policy.firewallMethod(), client.transport().label(), addresses, wait, chain));
    }
}
