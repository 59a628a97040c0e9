package dev.cordon.dns;

import dev.cordon.events.OutageWait;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.Verdict;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutageStyle;
import dev.cordon.policy.Reasons;
import org.xbill.DNS.Rcode;

/**
 * The judge step: decides a query once, on its question and then (if it was asked upstream) on
 * the answer, and says what to do next as a {@link Step}. Every name of the answer chain is
 * decided; the answer's addresses are learned (the kernel knows them) before the reply exists, so
 * the command's next connect() finds them. A blocked name is answered at once, without asking
 * upstream; so is a name whose answer is cached. Nothing here waits: asking upstream and holding
 * a query for a simulated outage are the caller's ({@link QueryHandler}, {@link UdpLoop}).
 */
final class Judge {
    /** What to do with a query next. */
    sealed interface Step permits Reply, Ask, Refetch, Hold {}

    /** Send {@code bytes} to the client (null: send nothing). */
    record Reply(byte[] bytes) implements Step {}

    /**
     * Ask upstream ({@code upstream}, on the client's transport), then call {@link #answer} or {@link #failed}.
     *
     * @param audited  who asked, when audit mode lets a denied name through: it is reported once the answer is in
     * @param upstream the bytes to send ({@link QueryReports#upstreamBytes}: the query's own, or with an owner option)
     */
    record Ask(Query query, Client client, DomainPolicy.Decision decision, ProcessTable.Attribution audited, long startNs,
               byte[] upstream) implements Step {}

    /** The UDP answer was truncated: ask again over TCP, then call {@link #refetched}; it may hide names and addresses. */
    record Refetch(Ask ask, byte[] truncated) implements Step {}

    /** A --simulate-outage name in timeout style: answer {@link #release} once {@code untilNs} (System.nanoTime) has come. */
    record Hold(Ask ask, String downName, DomainPattern pattern, ProcessTable.Attribution who, long untilNs) implements Step {}

    private final Rules rules;
    private final LearnedAddresses learned;
    private final AnswerCache cache;
    private final QueryReports reports;
    private final DnsCounters counters;

    /** @param cache answers to reuse for their TTL, or null for none */
    Judge(Rules rules, LearnedAddresses learned, AnswerCache cache, QueryReports reports, DnsCounters counters) {
        this.rules = rules;
        this.learned = learned;
        this.cache = cache;
        this.reports = reports;
        this.counters = counters;
    }

    /** The first decision, on the question alone. */
    Step question(Query q, Client c, long startNs) {
        DomainPolicy.Decision decision = rules.policy().decide(q.name());
        ProcessTable.Attribution audited = null;
        if (decision.denied()) {
            ProcessTable.Attribution who = reports.who(q, c);
            counters.blocked.incrementAndGet();
            if (rules.mode() == Mode.ENFORCE) {
                report(q, c, who, Verdict.BLOCKED, Reasons.of(decision, Reasons.FROM_DNS_REQUEST), q.name(), decision.ruleLabel(),
                        QueryReports.Answered.NOTHING, null);
                return new Reply(Replies.error(q, rules.blockedResponse().rcode()));
            }
            audited = who; // audit: reported once the answer says what it led to
        }
        Ask ask = new Ask(q, c, decision, audited, startNs, q.raw());
        DomainPattern down = outage(q.name());
        if (down != null && rules.outage().style() != OutageStyle.REFUSE) {
            reportAudited(ask, QueryReports.Answered.NOTHING);
            return unreachable(ask, q.name(), down);
        }
        AnswerCache.Hit hit = cache == null || down != null ? null : cache.get(q);
        if (hit == null) return upstream(ask);
        counters.cacheHits.incrementAndGet();
        return decided(ask, hit.bytes(), hit.chain(), false);
    }

    /** The ask as it goes upstream: with the sender named when upstream is an outer guard's proxy. */
    private Ask upstream(Ask a) {
        byte[] bytes = reports.upstreamBytes(a.query(), a.client());
        return bytes == a.upstream() ? a : new Ask(a.query(), a.client(), a.decision(), a.audited(), a.startNs(), bytes);
    }

    /** The second decision, on upstream's answer to an {@link Ask}. */
    Step answer(Ask a, byte[] bytes) {
        UpstreamAnswer answer = UpstreamAnswer.read(bytes, a.query());
        if (answer == null) return failed(a); // not an answer to this question: never passed on
        if (answer.truncated() && a.client().transport() == Transport.UDP) return new Refetch(a, bytes);
        return decided(a, bytes, answer.chain(), !answer.truncated());
    }

    /** The whole answer, over TCP, after a truncated one: decided whole; the client gets it if it fits, else the truncated one. */
    Step refetched(Refetch r, byte[] full) {
        UpstreamAnswer answer = UpstreamAnswer.read(full, r.ask().query());
        if (answer == null) return failed(r.ask());
        return decided(r.ask(), full.length <= r.ask().query().udpSize() ? full : r.truncated(), answer.chain(), false);
    }

    /** No upstream answered (or not in time). */
    Step failed(Ask a) {
        counters.upstreamFailures.incrementAndGet();
        reportAudited(a, QueryReports.Answered.NOTHING);
        return new Reply(Replies.error(a.query(), Rcode.SERVFAIL));
    }

    /** Past the proxy's in-flight cap: SERVFAIL at once, never a wait. */
    byte[] overloaded(Ask a) {
        counters.overloaded.incrementAndGet();
        reportAudited(a, QueryReports.Answered.NOTHING);
        return Replies.error(a.query(), Rcode.SERVFAIL);
    }

    /** The end of a {@link Hold}: SERVFAIL, as a resolver answers when a name's servers are gone. */
    byte[] release(Hold h, boolean sessionEnded) {
        Ask a = h.ask();
        report(a.query(), a.client(), h.who(), Verdict.OUTAGE, Reasons.SIMULATED_OUTAGE, h.downName(), "outage:" + h.pattern(),
                QueryReports.Answered.NOTHING, outageWait(a, sessionEnded ? OutageWait.SESSION_END : OutageWait.ANSWERED));
        return Replies.error(a.query(), Rcode.SERVFAIL);
    }

    private Step decided(Ask a, byte[] bytes, AnswerChain chain, boolean cacheable) {
        DomainPolicy.Decision denial = a.decision();
        String denied = denial.denied() ? a.query().name() : null;
        for (int i = 0; denied == null && i < chain.names().size(); i++) {
            DomainPolicy.Decision d = rules.policy().decide(chain.names().get(i));
            if (d.denied()) {
                denial = d;
                denied = chain.names().get(i);
            }
        }
        if (denied != null) return blocked(a, bytes, chain, denied, denial);
        String down = downName(a.query(), chain);
        if (down != null) return down(a, bytes, chain, down);
        if (rebinding(a.query(), chain)) return privateAnswer(a, bytes, chain);
        return allowed(a, bytes, chain, cacheable);
    }

    private Step allowed(Ask a, byte[] bytes, AnswerChain chain, boolean cacheable) {
        Query q = a.query();
        for (AnswerChain.Addr x : chain.addresses()) learned.learnAllowed(x.ip(), x.owner(), x.ttl());
        if (cacheable && cache != null) cache.put(q, bytes, chain); // allowed answers only
        if (reports.recordsAllowed()) {
            report(q, a.client(), reports.who(q, a.client()), Verdict.ALLOWED, Reasons.FROM_DNS_REQUEST, null,
                    a.decision().ruleLabel(), QueryReports.Answered.of(chain, q), null);
        }
        return new Reply(Replies.fit(bytes, q, a.client().transport()));
    }

    /** The question (audit mode) or a name of its chain is denied: the addresses serve it, so a later connect to them is caught and named. */
    private Step blocked(Ask a, byte[] bytes, AnswerChain chain, String name, DomainPolicy.Decision d) {
        Query q = a.query();
        for (AnswerChain.Addr x : chain.addresses()) learned.learnDenied(x.ip(), name, x.ttl());
        QueryReports.Answered answered = QueryReports.Answered.of(chain, q);
        reportAudited(a, answered);
        if (!a.decision().denied()) { // a name of the chain; the question itself was counted at the question step otherwise
            counters.blocked.incrementAndGet();
            report(q, a.client(), reports.who(q, a.client()), verdict(), Reasons.of(d, Reasons.FROM_DNS_RESPONSE_CNAME), name, d.ruleLabel(),
                    answered, null);
            if (rules.mode() == Mode.ENFORCE) return new Reply(Replies.error(q, rules.blockedResponse().rcode()));
        }
        return new Reply(Replies.fit(bytes, q, a.client().transport())); // audit: what the client would get without cordon
    }

    /** The question or a name of its chain is rehearsed as down. */
    private Step down(Ask a, byte[] bytes, AnswerChain chain, String name) {
        DomainPattern pattern = outage(name);
        if (rules.outage().style() != OutageStyle.REFUSE) return unreachable(a, name, pattern); // a CNAME into a dead domain
        for (AnswerChain.Addr x : chain.addresses()) learned.learnOutage(x.ip(), name, x.ttl()); // the kernel refuses their connections
        counters.outage.incrementAndGet();
        Query q = a.query();
        report(q, a.client(), reports.who(q, a.client()), Verdict.OUTAGE, Reasons.SIMULATED_OUTAGE, name, "outage:" + pattern,
                QueryReports.Answered.of(chain, q), outageWait(a, OutageWait.ANSWERED));
        return new Reply(Replies.fit(bytes, q, a.client().transport()));
    }

    /** SERVFAIL for a name rehearsed as down, at once or (timeout style) after the wait. */
    private Step unreachable(Ask a, String name, DomainPattern pattern) {
        counters.outage.incrementAndGet();
        ProcessTable.Attribution who = reports.who(a.query(), a.client());
        Hold hold = new Hold(a, name, pattern, who, a.startNs() + rules.outage().maxWait().toNanos());
        if (rules.outage().style() == OutageStyle.TIMEOUT) return hold;
        return new Reply(release(hold, false));
    }

    /** DNS rebinding (--block-private-answers): never learned, so a later connect is judged as if the name had not answered. */
    private Step privateAnswer(Ask a, byte[] bytes, AnswerChain chain) {
        Query q = a.query();
        counters.blocked.incrementAndGet();
        report(q, a.client(), reports.who(q, a.client()), verdict(), Reasons.PRIVATE_ANSWER, q.name(), PrivateAnswers.RULE,
                QueryReports.Answered.of(chain, q), null);
        if (rules.mode() == Mode.ENFORCE) return new Reply(Replies.error(q, rules.blockedResponse().rcode()));
        return new Reply(Replies.fit(bytes, q, a.client().transport()));
    }

    private boolean rebinding(Query q, AnswerChain chain) {
        if (!rules.blockPrivateAnswers() || PrivateAnswers.privateName(q.name())) return false;
        for (AnswerChain.Addr x : chain.addresses()) if (PrivateAnswers.isPrivate(x.ip())) return true;
        return false;
    }

    private String downName(Query q, AnswerChain chain) {
        if (!rules.outage().active()) return null;
        if (outage(q.name()) != null) return q.name();
        for (String n : chain.names()) if (outage(n) != null) return n;
        return null;
    }

    private DomainPattern outage(String name) {
        return rules.outage().active() ? rules.outage().match(name).orElse(null) : null;
    }

    private void reportAudited(Ask a, QueryReports.Answered answered) {
        if (a.audited() == null) return;
        report(a.query(), a.client(), a.audited(), Verdict.AUDITED, Reasons.of(a.decision(), Reasons.FROM_DNS_REQUEST), a.query().name(),
                a.decision().ruleLabel(), answered, null);
    }

    private void report(Query q, Client c, ProcessTable.Attribution who, Verdict v, String reason, String blocked, String rule,
                        QueryReports.Answered answered, OutageWait wait) {
        reports.emit(q, c, who, new QueryReports.Judgement(v, reason, rule, rules.mode(), rules.policy().firewallMethod()),
                blocked, answered, wait);
    }

    private Verdict verdict() {
        return rules.mode() == Mode.ENFORCE ? Verdict.BLOCKED : Verdict.AUDITED;
    }

    private OutageWait outageWait(Ask a, String end) {
        return new OutageWait(rules.outage().style().label(), (System.nanoTime() - a.startNs()) / 1_000_000, end);
    }
}
