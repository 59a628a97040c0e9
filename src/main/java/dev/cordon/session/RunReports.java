package dev.cordon.session;

import dev.cordon.events.Escape;
import dev.cordon.events.RunEnd;
import dev.cordon.limits.SessionLimits;
import dev.cordon.otlp.Origin;
import dev.cordon.otlp.OtlpExport;
import dev.cordon.otlp.OtlpSettings;
import dev.cordon.policy.Limits;
import dev.cordon.report.Reports;
import dev.cordon.report.live.RunRecorder;
import dev.cordon.report.model.RunModel;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * What a run or a guard reports: the summary on stderr, --report files and GitHub's step summary at its end, and
 * the OTLP export all along.
 */
final class RunReports {
    private final SessionOptions.Reporting reporting;
    private final PrintWriter err;

    RunReports(SessionOptions.Reporting reporting, PrintWriter err) {
        this.reporting = reporting;
        this.err = err;
    }

    /** A recorder when anything reports at the end, else null; only the summary: one that keeps what it shows. */
    RunRecorder recorder() {
        if (!reporting.summary() && reporting.reports().isEmpty() && !stepSummary()) return null;
        return reporting.reports().isEmpty() && !stepSummary() ? RunRecorder.forSummary() : new RunRecorder();
    }

    /** Allowed attempts are worth the ring buffer only when something records them. */
    boolean recordsAllowed(Path eventsFile) {
        return eventsFile != null || !reporting.reports().isEmpty() || stepSummary() || reporting.otlp() != null && reporting.otlp().all();
    }

    /**
     * Starts the OTLP export, or null when it is off: the one place a session reaches it, so that without it no
     * OpenTelemetry class is loaded.
     */
    OtlpExport startOtlp(Origin origin) {
        if (reporting.otlp() == null) return null;
        return OtlpExport.start(reporting.otlp(), origin, line -> {
            err.println(line);
            err.flush();
        });
    }

    /**
     * Ends the export after the last event (waiting at most {@link OtlpSettings#FLUSH}) and says what did not reach
     * the collector. @return log records not delivered, for the run-end record; null when export is off
     */
    Long finishOtlp(OtlpExport otlp) {
        if (otlp == null) return null;
        OtlpExport.Delivery d = otlp.finish();
        String where = reporting.otlp().shown();
        String counters = d.metricsDelivered() ? "" : " and the last counters";
        if (d.undelivered() > 0) {
            err.println("cordon: otlp: " + d.undelivered() + " of " + d.records() + " log record(s)" + counters + " not delivered to "
                    + where + " (" + d.problem() + ")");
        } else if (!d.metricsDelivered()) {
            err.println("cordon: otlp: the last counters did not reach " + where);
        }
        return d.undelivered();
    }

    static boolean stepSummary() {
        String f = System.getenv(Reports.STEP_SUMMARY_ENV);
        return f != null && !f.isBlank();
    }

    /** The run-end record's limits: as given, and what they stopped; null when there were none. */
    static RunEnd.Limits limits(Limits l, SessionLimits.Outcome o) {
        if (!l.needsControllers() && l.egressRate() == null) return null;
        return new RunEnd.Limits(l.memory() == null ? null : l.memory().text(), l.cpu() == null ? null : l.cpu().toPlainString(),
                l.pids(), l.egressRate() == null ? null : l.egressRate().text(), o.oomKills(), o.pidsRefused(), o.cpuThrottledPeriods());
    }

    /** Writes each; a report that fails to write is said, not fatal. */
    void write(RunModel model) {
        if (reporting.summary()) {
            String summary = Reports.summary(model);
            if (!summary.isEmpty()) err.print(summary.endsWith("\n") ? summary : summary + "\n");
        }
        for (Path file : reporting.reports()) {
            try {
                Reports.write(model, file);
                err.println("cordon: report written to " + Escape.visible(file.toString()));
            } catch (IOException | RuntimeException e) {
                err.println("cordon: cannot write the report " + Escape.visible(file.toString()) + ": " + Escape.visible(String.valueOf(e.getMessage())));
            }
        }
        try {
            Reports.appendStepSummary(model, System.getenv());
        } catch (IOException | RuntimeException e) {
            err.println("cordon: cannot append to $" + Reports.STEP_SUMMARY_ENV + ": " + Escape.visible(String.valueOf(e.getMessage())));
        }
        err.flush();
    }
}
