package dev.cordon.report.render;

import dev.cordon.events.Escape;
import dev.cordon.events.ScriptLine;
import dev.cordon.report.analysis.Destination;
import dev.cordon.report.analysis.Destinations;
import dev.cordon.report.analysis.TaskDestinations;
import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.OutageSpec;
import dev.cordon.report.model.ProcessNode;
import dev.cordon.report.model.RunInfo;
import dev.cordon.report.model.RunModel;

import java.time.Instant;
import java.util.List;

/**
 * The model as one JSON document for machines: {@code run}, {@code destinations} (grouped, most
 * important first) and {@code processes} (flat, each naming its parent and children by id). In a
 * run with tasks (cordon guard), destinations are grouped per task, tasks in name order, and
 * destinations, processes and attempts each have a {@code task} (null for attempts without one).
 */
public final class JsonRenderer {
    private JsonRenderer() {}

    public static String render(RunModel model) {
        StringBuilder sb = new StringBuilder(4096).append("{\n");
        sb.append("  \"run\":").append(run(model.run())).append(",\n");
        sb.append("  \"droppedRecords\":").append(model.droppedRecords()).append(",\n");
        List<TaskDestinations> tasks = TaskDestinations.of(model);
        destinations(sb, tasks.isEmpty() ? List.of(new TaskDestinations(null, 0, Destinations.of(model))) : tasks, !tasks.isEmpty());
        processes(sb, model, !tasks.isEmpty());
        return sb.append("}\n").toString();
    }

    private static void destinations(StringBuilder sb, List<TaskDestinations> groups, boolean withTasks) {
        sb.append("  \"destinations\":[");
        boolean first = true;
        for (TaskDestinations t : groups) {
            for (Destination d : t.destinations()) {
                Obj o = withTasks ? new Obj().str("task", t.task()) : new Obj();
                o.str("destination", d.name()).str("verdict", d.verdict().label()).num("count", d.count())
                        .str("firstCmd", d.firstCmd()).str("firstExe", d.firstExe());
                if (d.firstLine() != null) o.raw("firstLine", line(d.firstLine()));
                o.raw("processes", ints(d.processes())).num("waitedMs", d.waitedMs());
                sb.append(first ? "\n    " : ",\n    ").append(o.end());
                first = false;
            }
        }
        sb.append(first ? "],\n" : "\n  ],\n");
    }

    private static void processes(StringBuilder sb, RunModel model, boolean withTasks) {
        sb.append("  \"processes\":[");
        for (ProcessNode p : model.processes()) {
            Obj o = new Obj().num("id", p.id()).num("pid", p.pid()).num("ppid", p.ppid()).num("parent", p.parent())
                    .str("cmd", p.cmd()).raw("argv", strs(p.argv())).str("comm", p.comm()).str("exe", p.exe());
            if (withTasks) o.str("task", p.task());
            if (p.line() != null) o.raw("line", line(p.line()));
            o.time("exec", p.execTime()).time("exit", p.exitTime())
                    .raw("exitCode", p.exitCode() == null ? "null" : p.exitCode().toString())
                    .raw("signal", p.signal() == null ? "null" : p.signal().toString())
                    .raw("children", ints(p.children()));
            StringBuilder as = new StringBuilder("[");
            for (int i = 0; i < p.attempts().size(); i++) as.append(i == 0 ? "" : ",").append(attempt(p.attempts().get(i), withTasks));
            o.raw("attempts", as.append(']').toString());
            sb.append(p.id() == 0 ? "\n    " : ",\n    ").append(o.end());
        }
        sb.append(model.processes().isEmpty() ? "]\n" : "\n  ]\n");
    }

    private static String run(RunInfo r) {
        StringBuilder outages = new StringBuilder("[");
        for (OutageSpec o : r.outages()) {
            if (outages.length() > 1) outages.append(',');
            outages.append(new Obj().str("domain", o.domain()).str("style", o.style()).end());
        }
        return new Obj().str("cordonVersion", r.cordonVersion()).time("start", r.start()).time("end", r.end())
                .raw("argv", r.argv() == null ? "null" : strs(r.argv())).str("cmd", r.cmd()).str("mode", r.mode())
                .str("default", r.defaultAction()).str("firewallMethod", r.firewallMethod()).str("policy", r.policy())
                .raw("outages", outages.append(']').toString()).num("outageWaitMs", r.outageWaitMs())
                .num("exitStatus", r.exitStatus()).num("commandStatus", r.commandStatus()).num("rootPid", r.rootPid())
                .num("durationMs", r.durationMs()).num("violations", r.violations()).num("droppedEvents", r.droppedEvents())
                .end();
    }

    private static String attempt(Attempt a, boolean withTasks) {
        Obj o = new Obj().time("time", a.time()).str("type", a.kind().label()).str("verdict", a.verdict().label());
        if (withTasks) o.str("task", a.task());
        if (a.line() != null) o.raw("line", line(a.line()));
        o.str("destination", a.destination()).raw("domains", strs(a.domains()));
        if (a.ip() != null) o.str("ip", a.ip()).num("port", a.port());
        if (a.proto() != null) o.str("proto", a.proto());
        if (a.qtype() != null) o.str("qtype", a.qtype());
        if (!a.addresses().isEmpty()) o.raw("addresses", strs(a.addresses()));
        o.str("rule", a.rule());
        if (a.reason() != null) o.str("reason", a.reason());
        if (a.outageStyle() != null) o.str("outageStyle", a.outageStyle());
        if (a.waitedMs() >= 0) o.num("waitedMs", a.waitedMs());
        if (a.waitEnd() != null) o.str("waitEnd", a.waitEnd());
        return o.end();
    }

    /** As in the events file: {@code [{"file":"./deploy.sh","line":9}]}, outermost script first; "trap" from a trap's commands. */
    private static String line(ScriptLine line) {
        StringBuilder sb = new StringBuilder("[");
        for (ScriptLine l : line.chain()) {
            Obj o = new Obj().str("file", l.file()).num("line", l.line() > 0 ? l.line() : null);
            if (l.trap() != null) o.str("trap", l.trap());
            sb.append(sb.length() > 1 ? "," : "").append(o.end());
        }
        return sb.append(']').toString();
    }

    private static String strs(List<String> l) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < l.size(); i++) sb.append(i == 0 ? "" : ",").append(Escape.json(l.get(i)));
        return sb.append(']').toString();
    }

    private static String ints(List<Integer> l) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < l.size(); i++) sb.append(i == 0 ? "" : ",").append(l.get(i));
        return sb.append(']').toString();
    }

    /** One JSON object on one line; nulls written as null. */
    private static final class Obj {
        private final StringBuilder sb = new StringBuilder("{");

        Obj raw(String k, String json) {
            if (sb.length() > 1) sb.append(',');
            sb.append('"').append(k).append("\":").append(json);
            return this;
        }

        Obj str(String k, String v) {
            return raw(k, v == null ? "null" : Escape.json(v));
        }

        Obj num(String k, Number v) {
            return raw(k, v == null ? "null" : v.toString());
        }

        Obj time(String k, Instant t) {
            return str(k, t == null ? null : t.toString());
        }

        String end() {
            return sb.append('}').toString();
        }
    }
}
