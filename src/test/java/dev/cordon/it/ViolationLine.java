package dev.cordon.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One of cordon's report lines, parsed: {@code WARN DNS BLOCKED reason=... domain=github.com. pid=1 cmd="curl x" ...}.
 * Values are logfmt: bare, or double-quoted with backslash escapes.
 */
record ViolationLine(String level, String kind, String verdict, Map<String, String> fields, String raw) {
    /**
     * Every report line in {@code text}. cordon writes each line with one write, but the command
     * shares its stderr and may be in the middle of a line of its own (curl writes "curl: (55) Send
     * failure: ..." in pieces): a report can start inside another line, and then runs from its
     * level to that line's end.
     */
    static List<ViolationLine> parseAll(String text) {
        List<ViolationLine> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            ViolationLine l = parse(line);
            for (int at = 1; l == null && at < line.length(); at++) {
                if (line.startsWith("WARN ", at) || line.startsWith("INFO ", at)) l = parse(line.substring(at));
            }
            if (l != null) out.add(l);
        }
        return out;
    }

    static ViolationLine parse(String line) {
        String[] head = line.split(" ", 4);
        if (head.length < 4 || !(head[0].equals("WARN") || head[0].equals("INFO"))) return null;
        if (!List.of("DNS", "CONNECT", "SENDMSG", "TLS", "HTTP").contains(head[1])) return null;
        Map<String, String> fields = new LinkedHashMap<>();
        String s = head[3];
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            if (eq < 0) break;
            String key = s.substring(i, eq).strip();
            i = eq + 1;
            StringBuilder v = new StringBuilder();
            if (i < s.length() && s.charAt(i) == '"') {
                i++;
                while (i < s.length() && s.charAt(i) != '"') {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < s.length()) {
                        char e = s.charAt(i++);
                        v.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            default -> e;
                        });
                    } else {
                        v.append(c);
                    }
                }
                i++; // closing quote
            } else {
                while (i < s.length() && s.charAt(i) != ' ') v.append(s.charAt(i++));
            }
            fields.put(key, v.toString());
            while (i < s.length() && s.charAt(i) == ' ') i++;
        }
        return new ViolationLine(head[0], head[1], head[2], fields, line);
    }

    String get(String key) {
        return fields.get(key);
    }

    int pid() {
        return Integer.parseInt(fields.get("pid"));
    }

    @Override
    public String toString() {
        return raw;
    }
}
