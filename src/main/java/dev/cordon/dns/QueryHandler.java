package dev.cordon.dns;

import java.io.IOException;
import java.time.Duration;

/**
 * One query from bytes to reply, in three steps: parse ({@link Query#parse}), judge ({@link Judge},
 * which answers with a sealed {@link Judge.Step}), respond ({@link Replies}). This class runs them
 * one after the other on the calling thread and waits where the judge asks upstream: how TCP
 * clients are served, and what the tests drive. {@link UdpLoop} runs the same steps without waiting.
 * A reload makes a new handler; a query finishes with the handler it started with.
 */
public final class QueryHandler {
    private final Judge judge;
    private final Upstream upstream;
    private final DnsCounters counters;

    /** @param cache answers to reuse for their TTL, or null for none (the tests' fake upstreams change answers) */
    QueryHandler(Rules rules, Upstream upstream, LearnedAddresses learned, AnswerCache cache, QueryReports reports,
                 DnsCounters counters) {
        this.judge = new Judge(rules, learned, cache, reports, counters);
        this.upstream = upstream;
        this.counters = counters;
    }

    Judge judge() {
        return judge;
    }

    DnsCounters counters() {
        return counters;
    }

    /** @return the reply to send, or null to send nothing (not even a header to answer) */
    public byte[] handle(byte[] raw, Client client) {
        long startNs = System.nanoTime();
        Parsed parsed = Query.parse(raw, counters);
        if (parsed instanceof Parsed.Refused r) return r.reply();
        return complete(judge.question((Query) parsed, client, startNs));
    }

    /** Runs the judge's steps to the reply, waiting on this thread wherever one waits. */
    byte[] complete(Judge.Step step) {
        while (true) {
            switch (step) {
                case Judge.Reply r -> {
                    return r.bytes();
                }
                case Judge.Ask a -> step = ask(a);
                case Judge.Refetch f -> step = refetch(f);
                case Judge.Hold h -> {
                    return hold(h);
                }
            }
        }
    }

    private Judge.Step ask(Judge.Ask a) {
        try {
            return judge.answer(a, upstream.exchange(a.upstream(), a.client().transport()));
        } catch (IOException | RuntimeException e) {
            return judge.failed(a);
        }
    }

    private Judge.Step refetch(Judge.Refetch f) {
        try {
            return judge.refetched(f, upstream.exchange(f.ask().upstream(), Transport.TCP));
        } catch (IOException | RuntimeException e) {
            return judge.failed(f.ask());
        }
    }

    /** Waits out a {@link Judge.Hold} on this thread (a virtual one in the proxy); an interrupt is the session's end. */
    private byte[] hold(Judge.Hold h) {
        long left = h.untilNs() - System.nanoTime();
        try {
            if (left > 0) Thread.sleep(Duration.ofNanos(left));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the session is over: report the wait so far
            return judge.release(h, true);
        }
        return judge.release(h, false);
    }
}
