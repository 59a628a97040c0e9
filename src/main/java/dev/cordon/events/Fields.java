package dev.cordon.events;

import java.util.List;
import java.util.Locale;

/**
 * The fields of an attempt record and a query record, in their order: the one place their names are written.
 * The events file writes them as JSON ({@link Formats}), the OTLP export as log record attributes; docs/EVENTS.md
 * says what each means. {@code time} is not among them: each output puts it in its own place (the JSON's first
 * field, the log record's timestamp).
 */
public final class Fields {
    /** The names other outputs key on (the OTLP counters' attributes). */
    public static final String TYPE = "type", VERDICT = "verdict", RULE = "rule", TASK = "task";

    private Fields() {}

    /** Receives the fields of one record in order. */
    public interface Writer {
        /** A text field; {@code null} is a field that is there without a value (JSON {@code null}). */
        void string(String name, String value);

        void number(String name, long value);

        /** A 64-bit value read as unsigned (cgroup ids). */
        void unsigned(String name, long value);

        void bool(String name, boolean value);

        void strings(String name, List<String> values);

        /** Script lines, from the outermost script to the one that started the process ({@link ScriptLine#chain()}). */
        void scriptLines(String name, List<ScriptLine> chain);
    }

    /** A connect, sendmsg or socket attempt. */
    public static void of(NetAttempt a, Writer w) {
        NetEvent e = a.event();
        w.string(TYPE, e.hook().label);
        w.string(VERDICT, label(e.verdict()));
        if (a.reason() != null) w.string("reason", a.reason());
        w.bool("blocked", e.verdict() == Verdict.BLOCKED);
        w.string("blockedAt", e.hook().label);
        w.string("ip", e.ip());
        w.number("port", e.port());
        w.string("proto", e.protocolName());
        w.string("family", e.familyName());
        if (e.socket() != null) {
            w.string("socketType", e.socket().typeName());
            w.number("errno", e.socket().errno());
        }
        w.bool("ipv6Mapped", e.mappedV4());
        if (a.domain() != null) w.string("domain", a.domain());
        if (e.firstBytes() != null && e.firstBytes().ech()) w.bool("ech", true);
        w.number("pid", e.process().pid());
        w.number("tid", e.process().tid());
        w.number("ppid", a.who().ppid());
        w.string("comm", e.process().comm());
        who(a.who(), w);
        w.string(RULE, a.rule());
        w.string("mode", a.mode().label());
        outage(a.outage(), w);
        w.unsigned("cgroupId", e.process().cgroupId());
    }

    /** A query the DNS proxy decided. */
    public static void of(DnsEvent e, Writer w) {
        w.string(TYPE, "dns");
        w.string(VERDICT, label(e.verdict()));
        w.string("reason", e.reason());
        w.bool("blocked", e.verdict() == Verdict.BLOCKED);
        w.string("blockedAt", "dns");
        w.string("domain", e.domain());
        if (e.blockedName() != null) w.string("blockedName", e.blockedName());
        w.string("qtype", e.qtype());
        w.string("transport", e.transport());
        w.number("pid", e.who().pid());
        w.number("ppid", e.who().ppid());
        who(e.who(), w);
        w.strings("addresses", e.addresses());
        if (!e.chain().isEmpty()) w.strings("chain", e.chain());
        w.string("firewallMethod", e.firewallMethod());
        w.string(RULE, e.rule());
        outage(e.outage(), w);
        w.string("mode", e.mode().label());
    }

    /** {@code allowed}, {@code blocked}, {@code audited} or {@code outage}. */
    public static String label(Verdict v) {
        return v.name().toLowerCase(Locale.ROOT);
    }

    /**
     * cmd, argv, cmdSource, task (where there are tasks), exe and exeSource (null when cordon could not learn the
     * file), line (where a script line started the process).
     */
    private static void who(ProcessTable.Attribution who, Writer w) {
        w.string("cmd", who.commandLine());
        w.strings("argv", who.argv());
        w.string("cmdSource", who.source().name().toLowerCase(Locale.ROOT));
        if (who.task() != null) w.string(TASK, who.task());
        Executable exe = who.exe();
        w.string("exe", exe == null ? null : exe.shown());
        w.string("exeSource", exe == null ? null : exe.source().label());
        if (who.line() != null) w.scriptLines("line", who.line().chain());
    }

    private static void outage(OutageWait o, Writer w) {
        if (o == null) return;
        w.string("outageStyle", o.style());
        w.number("waitedMs", o.waitedMs());
        w.string("waitEnd", o.end());
    }
}
