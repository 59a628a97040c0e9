package dev.cordon.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One line cordon prints for an attempt, e.g.
 * {@code WARN CONNECT BLOCKED blocked=true blockedAt=connect ip=127.0.0.2 port=8080 proto=tcp pid=4242
 * cmd="curl -sS http://127.0.0.2:8080/" rule=127.0.0.2/32 mode=enforce}: leading bare words, then
 * logfmt pairs whose values may be double-quoted with backslash escapes.
 */
record LogLine(String raw, List<String> words, Map<String, String> fields) {
    static boolean looksLikeAttempt(String line) {
        return (line.startsWith("WARN ") || line.startsWith("INFO ")) && line.contains(" blockedAt=");
    }

    static LogLine parse(String line) {
        List<String> words = new ArrayList<>();
        Map<String, String> fields = new LinkedHashMap<>();
        int i = 0, n = line.length();
        while (i < n) {
            while (i < n && line.charAt(i) == ' ') i++;
            if (i >= n) break;
            int start = i;
            while (i < n && line.charAt(i) != ' ' && line.charAt(i) != '=') i++;
            String key = line.substring(start, i);
            if (i >= n || line.charAt(i) == ' ') {
                words.add(key);
                continue;
            }
            i++; // '='
            StringBuilder value = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (i < n && line.charAt(i) != '"') {
                    char c = line.charAt(i++);
                    if (c == '\\' && i < n) {
                        char e = line.charAt(i++);
                        switch (e) {
                            case 'n' -> value.append('\n');
                            case 't' -> value.append('\t');
                            case 'r' -> value.append('\r');
                            default -> value.append(e);
                        }
                    } else {
                        value.append(c);
                    }
                }
                i++; // closing quote
            } else {
                while (i < n && line.charAt(i) != ' ') value.append(line.charAt(i++));
            }
            fields.put(key, value.toString());
        }
        return new LogLine(line, List.copyOf(words), Map.copyOf(fields));
    }

    String level() {
        return words.size() > 0 ? words.get(0) : "";
    }

    String hook() {
        return words.size() > 1 ? words.get(1) : "";
    }

    String verdict() {
        return words.size() > 2 ? words.get(2) : "";
    }

    String get(String key) {
        return fields.get(key);
    }

    @Override
    public String toString() {
        return raw;
    }
}
