package dev.cordon.session;

import dev.cordon.events.EventSink;
import dev.cordon.events.FanOut;
import dev.cordon.events.RecordSamples;
import dev.cordon.events.RunEnd;
import dev.cordon.events.ViolationLog;
import dev.cordon.otlp.Origin;
import dev.cordon.otlp.OtlpExport;
import dev.cordon.report.live.RunRecorder;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Session} and {@link GuardSession} do with their sinks around a run, without the kernel: reports,
 * the OTLP export when it is on, events through them, its end and the run-end record. For class-loading tests.
 */
public final class SinkWiring {
    private SinkWiring() {}

    public static int exercise(SessionOptions o, PrintWriter err) {
        RunReports reports = new RunReports(o.report(), err);
        reports.recordsAllowed(o.eventsFile());
        List<EventSink> sinks = new ArrayList<>(List.of(new ViolationLog(err)));
        RunRecorder recorder = reports.recorder();
        if (recorder != null) sinks.add(recorder);
        OtlpExport otlp = reports.startOtlp(new Origin("cordon-1-ab", null, Session.cordonVersion(), Origin.kernelHostName()));
        if (otlp != null) sinks.add(otlp);
        FanOut fan = new FanOut(sinks);
        RecordSamples.attempts().forEach(fan::attempt);
        RecordSamples.queries().forEach(fan::dns);
        Long dropped = reports.finishOtlp(otlp);
        fan.runEnded(new RunEnd(Instant.now(), 0, 0, 1, 1, 1, 0, null, dropped));
        return 0;
    }
}
