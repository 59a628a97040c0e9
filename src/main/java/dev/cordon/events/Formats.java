package dev.cordon.events;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The two renderings of an attempt: a logfmt line for people, a JSON object for machines. */
public final class Formats {
    private Formats() {}

    /**
     * {@code WARN CONNECT BLOCKED blocked=true blockedAt=connect ip=127.0.0.2 port=8080 proto=tcp pid=4242
     * cmd="curl -sS http://127.0.0.2:8080/" exe=/usr/bin/curl rule=127.0.0.2/32 mode=enforce}; a name in a
     * connection's first bytes: {@code WARN TLS BLOCKED reason=FromTLSSNI blocked=true blockedAt=tls ip=... domain=blocked.test. ...}
     */
    public static String logfmt(NetAttempt a) {
        NetEvent e = a.event();
        String level = level(e.verdict());
        String verdict = label(e.verdict());
        StringBuilder sb = new StringBuilder(160)
                .append(level).append(' ').append(e.hook().name()).append(' ').append(verdict);
        if (a.reason() != null) sb.append(" reason=").append(Escape.logfmt(a.reason()));
        sb.append(" blocked=").append(e.verdict() == Verdict.BLOCKED)
                .append(" blockedAt=").append(e.hook().label);
        if (e.hook() == Hook.SOCKET) {
            sb.append(" socket=").append(e.socket() == null ? "raw" : e.socket().typeName())
                    .append(" family=").append(e.familyName()).append(" proto=").append(e.protocolName());
        } else {
            sb.append(" ip=").append(e.ip()).append(" port=").append(e.port()).append(" proto=").append(e.protocolName());
        }
        if (e.mappedV4()) sb.append(" ipv6Mapped=true");
        if (a.domain() != null) sb.append(" domain=").append(Escape.logfmt(a.domain()));
        if (e.firstBytes() != null && e.firstBytes().ech()) sb.append(" ech=true");
        sb.append(" pid=").append(e.process().pid())
                .append(" cmd=").append(Escape.logfmt(a.who().commandLine()));
        task(sb, a.who().task());
        exe(sb, a.who().exe());
        line(sb, a.who().line());
        sb.append(" rule=").append(Escape.logfmt(a.rule()))
                .append(" mode=").append(a.mode().label());
        outage(sb, a.outage());
        return sb.toString();
    }

    /** {@code task=deploy@42.service}, only where there are tasks (cordon guard). */
    private static void task(StringBuilder sb, String task) {
        if (task != null) sb.append(" task=").append(Escape.logfmt(task));
    }

    /** {@code exe=/usr/bin/curl}: the file the process runs, whatever its command line says; only where it is known. */
    private static void exe(StringBuilder sb, Executable exe) {
        if (exe != null) sb.append(" exe=").append(Escape.logfmt(exe.shown()));
    }

    /** {@code line=deploy.sh:9}: the script line that started the process, where one did. */
    private static void line(StringBuilder sb, ScriptLine line) {
        if (line != null) sb.append(" line=").append(Escape.logfmt(line.label()));
    }

    private static String level(Verdict v) {
        return v == Verdict.ALLOWED ? "INFO" : "WARN";
    }

    private static String label(Verdict v) {
        return switch (v) {
            case BLOCKED -> "BLOCKED";
            case AUDITED -> "AUDIT";
            case ALLOWED -> "ALLOWED";
            case OUTAGE -> "OUTAGE";
        };
    }

    private static void outage(StringBuilder sb, OutageWait w) {
        if (w == null) return;
        sb.append(" outage=").append(w.style())
                .append(" waited=").append(seconds(w.waitedMs()))
                .append(" waitEnd=").append(w.end());
    }

    /** {@code 1.250s}: milliseconds as seconds, for people. */
    public static String seconds(long ms) {
        return String.format(Locale.ROOT, "%d.%03ds", ms / 1000, ms % 1000);
    }

    /**
     * GitHub's line: {@code WARN DNS BLOCKED reason=FromDNSRequest blocked=true blockedAt=dns domain=github.com.
     * pid=266767 cmd="curl github.com" firewallMethod=blocklist}, then qtype, rule and mode; cordon adds task= (cordon
     * guard) and exe= after cmd=.
     */
    public static String logfmt(DnsEvent e) {
        String level = level(e.verdict());
        String verdict = label(e.verdict());
        StringBuilder sb = new StringBuilder(200)
                .append(level).append(" DNS ").append(verdict)
                .append(" reason=").append(e.reason())
                .append(" blocked=").append(e.verdict() == Verdict.BLOCKED)
                .append(" blockedAt=dns")
                .append(" domain=").append(Escape.logfmt(e.domain()));
        if (e.blockedName() != null && !e.blockedName().equals(e.domain())) {
            sb.append(" cname=").append(Escape.logfmt(e.blockedName()));
        }
        sb.append(" pid=").append(e.who().pid())
                .append(" cmd=").append(Escape.logfmt(e.who().commandLine()));
        task(sb, e.who().task());
        exe(sb, e.who().exe());
        line(sb, e.who().line());
        sb.append(" firewallMethod=").append(e.firewallMethod())
                .append(" qtype=").append(Escape.logfmt(e.qtype()))
                .append(" rule=").append(Escape.logfmt(e.rule()))
                .append(" mode=").append(e.mode().label());
        outage(sb, e.outage());
        return sb.toString();
    }

    /** One JSON Lines record of a query: {@code time}, then {@link Fields#of(DnsEvent, Fields.Writer)}. */
    public static String json(DnsEvent e) {
        JsonObject o = new JsonObject(e.time());
        Fields.of(e, o);
        return o.close();
    }

    /** One JSON Lines record of an attempt; field names match the logfmt keys where both have them. */
    public static String json(NetAttempt a) {
        JsonObject o = new JsonObject(a.time());
        Fields.of(a, o);
        return o.close();
    }

    /** A record's fields as one JSON object, {@code time} first. */
    private static final class JsonObject implements Fields.Writer {
        private final StringBuilder sb = new StringBuilder(320).append('{');

        JsonObject(Instant time) {
            string("time", time.toString());
        }

        private StringBuilder name(String name) {
            if (sb.length() > 1) sb.append(',');
            return sb.append('"').append(name).append("\":");
        }

        @Override
        public void string(String name, String value) {
            name(name).append(value == null ? "null" : Escape.json(value));
        }

        @Override
        public void number(String name, long value) {
            name(name).append(value);
        }

        @Override
        public void unsigned(String name, long value) {
            name(name).append(Long.toUnsignedString(value));
        }

        @Override
        public void bool(String name, boolean value) {
            name(name).append(value);
        }

        @Override
        public void strings(String name, List<String> values) {
            name(name).append('[');
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) sb.append(',');
                sb.append(Escape.json(values.get(i)));
            }
            sb.append(']');
        }

        @Override
        public void scriptLines(String name, List<ScriptLine> chain) {
            Formats.scriptLines(name(name), chain);
        }

        String close() {
            return sb.append('}').toString();
        }
    }

    /**
     * An exec record for the events file (the process tree of the run).
     *
     * @param who the process as of this exec: the task it exec'd in and the script line that started it, where known
     */
    public static String json(Instant time, ExecEvent e, ProcessTable.Attribution who) {
        StringBuilder sb = new StringBuilder(256).append('{');
        field(sb, "time", Escape.json(time.toString()));
        field(sb, "type", Escape.json("exec"));
        field(sb, "pid", Integer.toString(e.process().pid()));
        field(sb, "ppid", Integer.toString(e.ppid()));
        field(sb, "comm", Escape.json(e.process().comm()));
        field(sb, "cmd", Escape.json(String.join(" ", e.argv())));
        array(sb, "argv", e.argv());
        field(sb, "argvTruncated", Boolean.toString(e.truncated()));
        field(sb, "exe", e.exe() == null ? "null" : Escape.json(e.exe().shown()));
        if (e.script() != null) field(sb, "script", Escape.json(e.script()));
        taskField(sb, who.task());
        lineField(sb, who.line());
        sb.append("\"cgroupId\":").append(Long.toUnsignedString(e.process().cgroupId()));
        return sb.append('}').toString();
    }

    /** An exec the kernel refused with EPERM, with what the file's capabilities say about it. */
    public static String json(ExecDenial d) {
        ExecDeniedEvent e = d.event();
        StringBuilder sb = new StringBuilder(256).append('{');
        field(sb, "time", Escape.json(d.time().toString()));
        field(sb, "type", Escape.json("exec-denied"));
        field(sb, "pid", Integer.toString(e.process().pid()));
        field(sb, "tid", Integer.toString(e.process().tid()));
        field(sb, "ppid", Integer.toString(e.ppid()));
        field(sb, "comm", Escape.json(e.process().comm()));
        field(sb, "cmd", Escape.json(d.who().commandLine()));
        array(sb, "argv", d.who().argv());
        field(sb, "cmdSource", Escape.json(d.who().source().name().toLowerCase(Locale.ROOT)));
        taskField(sb, d.who().task());
        exeFields(sb, d.who().exe());
        lineField(sb, d.who().line());
        field(sb, "path", Escape.json(e.path()));
        field(sb, "pathTruncated", Boolean.toString(e.pathTruncated()));
        if (e.dirfd() != ExecDeniedEvent.AT_FDCWD) field(sb, "dirfd", Integer.toString(e.dirfd()));
        field(sb, "file", d.file() == null ? "null" : Escape.json(d.file()));
        field(sb, "errno", Integer.toString(e.errno()));
        array(sb, "fileCapabilities", d.fileCapabilities());
        array(sb, "droppedByCordon", d.droppedByCordon());
        if (d.unresolved() != null) field(sb, "unresolved", Escape.json(d.unresolved()));
        sb.append("\"cgroupId\":").append(Long.toUnsignedString(e.process().cgroupId()));
        return sb.append('}').toString();
    }

    /**
     * A process of the session ended.
     *
     * @param task the task it ended in, or null where there are no tasks
     */
    public static String json(Instant time, ExitEvent e, String task) {
        StringBuilder sb = new StringBuilder(160).append('{');
        field(sb, "time", Escape.json(time.toString()));
        field(sb, "type", Escape.json("exit"));
        field(sb, "pid", Integer.toString(e.process().pid()));
        field(sb, "ppid", Integer.toString(e.ppid()));
        field(sb, "comm", Escape.json(e.process().comm()));
        field(sb, "exitCode", e.signal() == 0 ? Integer.toString(e.status()) : "null");
        field(sb, "signal", e.signal() == 0 ? "null" : Integer.toString(e.signal()));
        taskField(sb, task);
        sb.append("\"cgroupId\":").append(Long.toUnsignedString(e.process().cgroupId()));
        return sb.append('}').toString();
    }

    public static String json(RunStart s) {
        StringBuilder sb = new StringBuilder(256).append('{');
        field(sb, "time", Escape.json(s.time().toString()));
        field(sb, "type", Escape.json("run-start"));
        field(sb, "cordonVersion", Escape.json(s.cordonVersion()));
        array(sb, "argv", s.argv());
        field(sb, "cmd", Escape.json(String.join(" ", s.argv())));
        field(sb, "mode", Escape.json(s.mode()));
        field(sb, "default", Escape.json(s.defaultAction()));
        field(sb, "firewallMethod", Escape.json(s.firewallMethod()));
        field(sb, "policy", s.policyFile() == null ? "null" : Escape.json(s.policyFile()));
        sb.append("\"outages\":[");
        for (int i = 0; i < s.outages().size(); i++) {
            if (i > 0) sb.append(',');
            sb.append("{\"domain\":").append(Escape.json(s.outages().get(i)))
                    .append(",\"style\":").append(Escape.json(s.outageStyle())).append('}');
        }
        sb.append("],");
        if (s.guard() != null) field(sb, "guard", Escape.json(s.guard()));
        sb.append("\"outageWaitMs\":").append(s.outageWaitMs());
        return sb.append('}').toString();
    }

    public static String json(PolicyReload r) {
        StringBuilder sb = new StringBuilder(200).append('{');
        field(sb, "time", Escape.json(r.time().toString()));
        field(sb, "type", Escape.json("policy-reload"));
        field(sb, "policy", r.policyFile() == null ? "null" : Escape.json(r.policyFile()));
        field(sb, "applied", Boolean.toString(r.applied()));
        field(sb, "mode", Escape.json(r.mode()));
        field(sb, "default", Escape.json(r.defaultAction()));
        array(sb, "problems", r.problems());
        sb.setLength(sb.length() - 1); // array() leaves a comma
        return sb.append('}').toString();
    }

    public static String json(RunEnd e) {
        StringBuilder sb = new StringBuilder(200).append('{');
        field(sb, "time", Escape.json(e.time().toString()));
        field(sb, "type", Escape.json("run-end"));
        field(sb, "exitStatus", Integer.toString(e.exitStatus()));
        field(sb, "commandStatus", Integer.toString(e.commandStatus()));
        field(sb, "rootPid", Integer.toString(e.rootPid()));
        field(sb, "durationMs", Long.toString(e.durationMs()));
        field(sb, "violations", Long.toString(e.violations()));
        if (e.limits() != null) {
            RunEnd.Limits l = e.limits();
            sb.append("\"limits\":{\"memory\":").append(l.memory() == null ? "null" : Escape.json(l.memory()))
                    .append(",\"cpu\":").append(l.cpu() == null ? "null" : Escape.json(l.cpu()))
                    .append(",\"pids\":").append(l.pids())
                    .append(",\"egressRate\":").append(l.egressRate() == null ? "null" : Escape.json(l.egressRate()))
                    .append(",\"oomKills\":").append(l.oomKills())
                    .append(",\"pidsRefused\":").append(l.pidsRefused())
                    .append(",\"cpuThrottledPeriods\":").append(l.cpuThrottledPeriods()).append("},");
        }
        sb.append("\"droppedEvents\":").append(e.droppedEvents());
        if (e.otlpDropped() != null) sb.append(",\"otlpDropped\":").append(e.otlpDropped());
        return sb.append('}').toString();
    }

    private static void taskField(StringBuilder sb, String task) {
        if (task != null) field(sb, "task", Escape.json(task));
    }

    /** {@code "exe":"/usr/bin/curl","exeSource":"exec"}; both null when cordon could not learn the file. */
    private static void exeFields(StringBuilder sb, Executable exe) {
        field(sb, "exe", exe == null ? "null" : Escape.json(exe.shown()));
        field(sb, "exeSource", exe == null ? "null" : Escape.json(exe.source().label()));
    }

    /** {@code "line":[...]} ({@link #scriptLines}), where a script line started the process. */
    private static void lineField(StringBuilder sb, ScriptLine line) {
        if (line == null) return;
        sb.append("\"line\":");
        scriptLines(sb, line.chain());
        sb.append(',');
    }

    /**
     * {@code [{"file":"./ci.sh","line":3},{"file":"./deploy.sh","line":9}]}: the script lines from the outermost
     * script to the one that started the process; {@code "trap":"ERR"} from a trap's commands; line null when unknown.
     */
    private static void scriptLines(StringBuilder sb, List<ScriptLine> chain) {
        sb.append('[');
        for (int i = 0; i < chain.size(); i++) {
            ScriptLine l = chain.get(i);
            sb.append(i == 0 ? "{" : ",{").append("\"file\":").append(Escape.json(l.file()))
                    .append(",\"line\":").append(l.line() > 0 ? Integer.toString(l.line()) : "null");
            if (l.trap() != null) sb.append(",\"trap\":").append(Escape.json(l.trap()));
            sb.append('}');
        }
        sb.append(']');
    }

    private static void array(StringBuilder sb, String name, List<String> values) {
        sb.append('"').append(name).append("\":[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append(Escape.json(values.get(i)));
        }
        sb.append("],");
    }

    private static void field(StringBuilder sb, String name, String rawValue) {
        sb.append('"').append(name).append("\":").append(rawValue).append(',');
    }
}
