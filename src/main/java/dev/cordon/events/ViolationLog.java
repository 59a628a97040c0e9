package dev.cordon.events;

import java.io.PrintWriter;

/** One logfmt line per blocked, audited or simulated-outage attempt or query, on cordon's stderr. */
public final class ViolationLog implements EventSink {
    private final PrintWriter err;

    public ViolationLog(PrintWriter err) {
        this.err = err;
    }

    @Override
    public synchronized void attempt(NetAttempt a) {
        if (a.event().verdict() == Verdict.ALLOWED) return;
        err.println(Formats.logfmt(a));
        err.flush();
    }

    @Override
    public synchronized void dns(DnsEvent e) {
        if (e.verdict() == Verdict.ALLOWED) return;
        err.println(Formats.logfmt(e));
        err.flush();
    }
}
