package dev.cordon.report.read;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict RFC 8259 parser for one events line: objects become Maps, arrays Lists, integers
 * Longs (Doubles otherwise), strings, booleans and null. Hand-written because a 100k-line file must
 * read in well under a second and the lines are simple; errors name the column.
 */
final class JsonParser {
    /** A syntax error at a 1-based column. */
    static final class JsonException extends Exception {
        final int column;

        JsonException(String message, int column) {
            super(message, null, false, false);
            this.column = column;
        }
    }

    private static final int MAX_DEPTH = 64;
    private final String s;
    private int i;

    private JsonParser(String s) {
        this.s = s;
    }

    static Object parse(String text) throws JsonException {
        JsonParser p = new JsonParser(text);
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.i != text.length()) throw p.error("unexpected '" + printable(text.charAt(p.i)) + "' after the value");
        return v;
    }

    private JsonException error(String what) {
        return new JsonException(what, i + 1);
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    private void ws() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return;
            i++;
        }
    }

    private Object value(int depth) throws JsonException {
        if (i >= s.length()) throw error("unexpected end of line");
        if (depth > MAX_DEPTH) throw error("nested too deeply");
        char c = s.charAt(i);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected '" + printable(c) + "'");
            }
        };
    }

    private Object literal(String word, Object v) throws JsonException {
        if (!s.startsWith(word, i)) throw error("expected '" + word + "'");
        i += word.length();
        return v;
    }

    private Map<String, Object> object(int depth) throws JsonException {
        i++;
        Map<String, Object> m = new HashMap<>();
        ws();
        if (i < s.length() && s.charAt(i) == '}') {
            i++;
            return m;
        }
        while (true) {
            ws();
            if (i >= s.length()) throw error("unexpected end of line");
            if (s.charAt(i) != '"') throw error("expected a string key");
            String key = string();
            ws();
            if (i >= s.length() || s.charAt(i) != ':') throw error("expected ':' after key \"" + key + "\"");
            i++;
            ws();
            Object v = value(depth + 1);
            if (m.containsKey(key)) throw error("duplicate key \"" + key + "\"");
            m.put(key, v);
            ws();
            if (i >= s.length()) throw error("unexpected end of line, expected ',' or '}'");
            char c = s.charAt(i++);
            if (c == '}') return m;
            if (c != ',') {
                i--;
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) throws JsonException {
        i++;
        List<Object> l = new ArrayList<>();
        ws();
        if (i < s.length() && s.charAt(i) == ']') {
            i++;
            return l;
        }
        while (true) {
            ws();
            l.add(value(depth + 1));
            ws();
            if (i >= s.length()) throw error("unexpected end of line, expected ',' or ']'");
            char c = s.charAt(i++);
            if (c == ']') return l;
            if (c != ',') {
                i--;
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() throws JsonException {
        int start = ++i;
        // fast path: no escapes
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"') return s.substring(start, i++);
            if (c == '\\' || c < 0x20) break;
            i++;
        }
        StringBuilder sb = new StringBuilder(s.length() - start).append(s, start, i);
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"') {
                i++;
                return sb.toString();
            }
            if (c < 0x20) throw error("raw control character in a string");
            if (c != '\\') {
                sb.append(c);
                i++;
                continue;
            }
            if (++i >= s.length()) break;
            char e = s.charAt(i++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 4 > s.length()) throw error("truncated \\u escape");
                    int v = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = Character.digit(s.charAt(i + k), 16);
                        if (d < 0) throw error("bad \\u escape");
                        v = v * 16 + d;
                    }
                    i += 4;
                    sb.append((char) v);
                }
                default -> {
                    i--;
                    throw error("unknown escape '\\" + printable(e) + "'");
                }
            }
        }
        throw error("unterminated string");
    }

    private Object number() throws JsonException {
        int start = i;
        if (s.charAt(i) == '-') i++;
        if (i >= s.length() || !Character.isDigit(s.charAt(i))) throw error("bad number");
        if (s.charAt(i) == '0' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))) throw error("leading zero in a number");
        while (i < s.length() && isDigit(s.charAt(i))) i++;
        boolean integral = true;
        if (i < s.length() && s.charAt(i) == '.') {
            integral = false;
            i++;
            if (i >= s.length() || !isDigit(s.charAt(i))) throw error("bad number");
            while (i < s.length() && isDigit(s.charAt(i))) i++;
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            integral = false;
            i++;
            if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
            if (i >= s.length() || !isDigit(s.charAt(i))) throw error("bad number");
            while (i < s.length() && isDigit(s.charAt(i))) i++;
        }
        String t = s.substring(start, i);
        if (integral) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                return Double.parseDouble(t); // beyond a long (an unsigned cgroup id): keep going
            }
        }
        return Double.parseDouble(t);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
