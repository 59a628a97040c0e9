package dev.cordon.report.read;

import dev.cordon.events.ScriptLine;
import dev.cordon.policy.DomainName;
import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.AttemptKind;
import dev.cordon.report.model.OutageSpec;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.RunModelBuilder;
import dev.cordon.report.model.Verdict;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads an events file (docs/EVENTS.md) into a {@link RunModel}. Unknown record types and fields
 * are ignored, as the schema promises; a line that is not JSON, or a known record that lacks a field
 * a report needs, stops the read with the file, line and column.
 */
public final class EventsFileReader {
    private EventsFileReader() {}

    public static RunModel read(Path file) throws IOException, EventsFormatException {
        try (InputStream in = Files.newInputStream(file)) {
            Utf8Lines lines = new Utf8Lines(in);
            return read(() -> {
                try {
                    return lines.next();
                } catch (CharacterCodingException e) {
                    throw new EventsFormatException(file.toString(), lines.number(), "not UTF-8");
                }
            }, file.toString());
        }
    }

    /** @param source how to name the input in errors (a path) */
    public static RunModel read(Reader in, String source) throws IOException, EventsFormatException {
        BufferedReader r = in instanceof BufferedReader br ? br : new BufferedReader(in, 1 << 16);
        return read(r::readLine, source);
    }

    /** The next line without its terminator, or null at the end. */
    private interface LineSource {
        String next() throws IOException, EventsFormatException;
    }

    private static RunModel read(LineSource lines, String source) throws IOException, EventsFormatException {
        RunModelBuilder b = new RunModelBuilder();
        int n = 0;
        for (String line; (line = lines.next()) != null; ) {
            n++;
            if (line.isBlank()) continue;
            Object v;
            try {
                v = JsonParser.parse(line);
            } catch (JsonParser.JsonException e) {
                throw new EventsFormatException(source, n, "not valid JSON: " + e.getMessage() + " (column " + e.column + ")");
            }
            if (!(v instanceof Map<?, ?> m)) throw new EventsFormatException(source, n, "not a JSON object");
            @SuppressWarnings("unchecked")
            Map<String, Object> o = (Map<String, Object>) m;
            try {
                record(b, new Fields(o));
            } catch (FieldException e) {
                throw new EventsFormatException(source, n, e.getMessage());
            }
        }
        return b.build();
    }

    private static void record(RunModelBuilder b, Fields f) throws FieldException {
        String type = f.requiredString("type");
        switch (type) {
            case "run-start" -> b.runStart(f.time(), f.string("cordonVersion"), f.strings("argv"), f.string("mode"),
                    f.string("default"), f.string("firewallMethod"), f.string("policy"), outages(f), f.longValue("outageWaitMs"));
            case "run-end" -> b.runEnd(f.time(), f.intValue("exitStatus"), f.intValue("commandStatus"), f.intValue("rootPid"),
                    f.longValue("durationMs"), f.longValue("violations"), f.longValue("droppedEvents"));
            case "exec" -> b.exec(f.time(), f.requiredInt("pid"), orZero(f.intValue("ppid")), f.string("comm"), f.strings("argv"),
                    f.string("task"), f.string("exe"), f.scriptLine());
            case "exit" -> b.exit(f.time(), f.requiredInt("pid"), orZero(f.intValue("ppid")), f.string("comm"),
                    f.intValue("exitCode"), f.intValue("signal"), f.string("task"));
            default -> {
                AttemptKind kind = AttemptKind.ofType(type);
                if (kind == null) return; // a record type from a newer cordon
                String v = f.requiredString("verdict");
                Verdict verdict = Verdict.parse(v);
                if (verdict == null) throw new FieldException("unknown verdict \"" + v + "\"");
                List<String> domains = new ArrayList<>();
                String d = f.string("domain");
                if (d != null) for (String one : d.split(",")) if (!one.isBlank()) domains.add(DomainName.canonical(one.strip()));
                for (String c : f.strings("chain")) if (!c.isBlank()) domains.add(DomainName.canonical(c)); // CNAME targets: needed too
                List<String> argv = f.strings("argv");
                String cmd = f.string("cmd");
                if (cmd == null) cmd = String.join(" ", argv);
                Long waited = f.longValue("waitedMs");
                Attempt a = new Attempt(f.time(), kind, verdict, f.requiredInt("pid"), cmd, f.string("exe"), f.string("task"),
                        f.scriptLine(), domains,
                        f.string("ip"), orZero(f.intValue("port")), f.string("proto"), f.string("qtype"), f.string("rule"), f.string("reason"),
                        f.strings("addresses"), f.string("outageStyle"), waited == null ? -1 : waited, f.string("waitEnd"));
                b.attempt(a, orZero(f.intValue("ppid")), argv.isEmpty() && cmd != null && !cmd.isEmpty() ? List.of(cmd) : argv,
                        f.string("comm"));
            }
        }
    }

    private static List<OutageSpec> outages(Fields f) throws FieldException {
        List<OutageSpec> out = new ArrayList<>();
        for (Map<String, Object> o : f.objects("outages")) {
            Fields of = new Fields(o);
            String domain = of.string("domain");
            if (domain != null) out.add(new OutageSpec(DomainName.canonical(domain), of.string("style")));
        }
        return out;
    }

    private static int orZero(Integer v) {
        return v == null ? 0 : v;
    }

    /** A field of the wrong type or missing; becomes an {@link EventsFormatException} with the line. */
    private static final class FieldException extends Exception {
        FieldException(String message) {
            super(message, null, false, false);
        }
    }

    /** Typed access to one record's fields; null for absent or JSON null. */
    private record Fields(Map<String, Object> o) {
        Instant time() throws FieldException {
            String t = requiredString("time");
            try {
                return Timestamps.parse(t);
            } catch (DateTimeParseException e) {
                throw new FieldException("\"time\" is not an ISO-8601 instant: \"" + t + "\"");
            }
        }

        String requiredString(String k) throws FieldException {
            String s = string(k);
            if (s == null) throw new FieldException(o.containsKey("type") && !k.equals("type")
                    ? "a \"" + o.get("type") + "\" record without \"" + k + "\"" : "a record without \"" + k + "\"");
            return s;
        }

        String string(String k) throws FieldException {
            Object v = o.get(k);
            if (v == null || v instanceof String) return (String) v;
            throw new FieldException("\"" + k + "\" must be a string");
        }

        int requiredInt(String k) throws FieldException {
            Integer v = intValue(k);
            if (v == null) throw new FieldException("a \"" + o.get("type") + "\" record without \"" + k + "\"");
            return v;
        }

        Integer intValue(String k) throws FieldException {
            Long v = longValue(k);
            if (v == null) return null;
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new FieldException("\"" + k + "\" is out of range");
            return v.intValue();
        }

        Long longValue(String k) throws FieldException {
            Object v = o.get(k);
            if (v == null) return null;
            if (v instanceof Long l) return l;
            throw new FieldException("\"" + k + "\" must be an integer");
        }

        List<String> strings(String k) throws FieldException {
            Object v = o.get(k);
            if (v == null) return List.of();
            if (!(v instanceof List<?> l)) throw new FieldException("\"" + k + "\" must be an array of strings");
            List<String> out = new ArrayList<>(l.size());
            for (Object e : l) {
                if (!(e instanceof String s)) throw new FieldException("\"" + k + "\" must be an array of strings");
                out.add(s);
            }
            return out;
        }

        /** {@code "line":[{"file":"./deploy.sh","line":9,"trap":"ERR"}, ...]} (outermost first), or null when the record has none. */
        ScriptLine scriptLine() throws FieldException {
            if (o.get("line") == null) return null;
            List<ScriptLine> chain = new ArrayList<>();
            for (Map<String, Object> m : objects("line")) {
                Fields l = new Fields(m);
                String file = l.string("file");
                Integer number = l.intValue("line");
                if (file == null) throw new FieldException("\"line\" has an entry without \"file\"");
                if (number != null && number < 0) throw new FieldException("\"line\" has a negative line number");
                chain.add(new ScriptLine(file, number == null ? 0 : number, l.string("trap")));
            }
            return chain.isEmpty() ? null : ScriptLine.of(chain);
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> objects(String k) throws FieldException {
            Object v = o.get(k);
            if (v == null) return List.of();
            if (!(v instanceof List<?> l)) throw new FieldException("\"" + k + "\" must be an array of objects");
            List<Map<String, Object>> out = new ArrayList<>(l.size());
            for (Object e : l) {
                if (!(e instanceof Map<?, ?> m)) throw new FieldException("\"" + k + "\" must be an array of objects");
                out.add((Map<String, Object>) m);
            }
            return out;
        }
    }
}
