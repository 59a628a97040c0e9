package dev.cordon.events;

import java.time.Instant;
import java.util.List;

/** Hands every event to each sink in order. */
public final class FanOut implements EventSink {
    private final List<EventSink> sinks;

    public FanOut(List<EventSink> sinks) {
        this.sinks = List.copyOf(sinks);
    }

    @Override
    public void attempt(NetAttempt a) {
        for (EventSink s : sinks) s.attempt(a);
    }

    @Override
    public void exec(Instant time, ExecEvent e, ProcessTable.Attribution who) {
        for (EventSink s : sinks) s.exec(time, e, who);
    }

    @Override
    public void dns(DnsEvent e) {
        for (EventSink s : sinks) s.dns(e);
    }

    @Override
    public void execDenied(ExecDenial d) {
        for (EventSink s : sinks) s.execDenied(d);
    }

    @Override
    public void exit(Instant time, ExitEvent e, String task) {
        for (EventSink s : sinks) s.exit(time, e, task);
    }

    @Override
    public void runStarted(RunStart start) {
        for (EventSink s : sinks) s.runStarted(start);
    }

    @Override
    public void policyReloaded(PolicyReload reload) {
        for (EventSink s : sinks) s.policyReloaded(reload);
    }

    @Override
    public void runEnded(RunEnd end) {
        for (EventSink s : sinks) s.runEnded(end);
    }
}
