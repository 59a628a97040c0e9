package dev.cordon.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EscapeTest {
    private static final char ESC = 0x1b, CSI = 0x9b, RLO = '\u202e';

    /** Characters that must never reach a terminal or a log raw. */
    private static boolean dangerous(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                || Character.getType(c) == Character.FORMAT;
    }

    private static void assertNoRawDangerousChars(String out) {
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            assertThat(dangerous(c)).as("raw U+%04X at %d in %s", (int) c, i, out).isFalse();
        }
        out.codePoints().forEach(cp -> {
            assertThat(Character.getType(cp)).as("raw U+%X in %s", cp, out)
                    .isNotIn((int) Character.FORMAT, (int) Character.SURROGATE, (int) Character.UNASSIGNED);
        });
    }

    // --- logfmt

    @ParameterizedTest
    @ValueSource(strings = {"curl", "127.0.0.2/32", "default:allow", "http://example.com/a?b", "-sS", "loopback"})
    void plainValuesStayBare(String v) {
        assertThat(Escape.logfmt(v)).isEqualTo(v);
    }

    @Test
    void valuesThatWouldBreakTheLineAreQuoted() {
        assertThat(Escape.logfmt("")).isEqualTo("\"\"");
        assertThat(Escape.logfmt("a b")).isEqualTo("\"a b\"");
        assertThat(Escape.logfmt("a=b")).isEqualTo("\"a=b\"");
        assertThat(Escape.logfmt("say \"hi\"")).isEqualTo("\"say \\\"hi\\\"\"");
        assertThat(Escape.logfmt("\"")).isEqualTo("\"\\\"\"");
        assertThat(Escape.logfmt("C:\\x")).isEqualTo("\"C:\\\\x\"");
        assertThat(Escape.logfmt("a\nb")).isEqualTo("\"a\\nb\"");
        assertThat(Escape.logfmt("a\rb")).isEqualTo("\"a\\rb\"");
        assertThat(Escape.logfmt("a\tb")).isEqualTo("\"a\\tb\"");
    }

    @Test
    void controlsAreHexEscapedInLogfmt() {
        assertThat(Escape.logfmt(ESC + "[31mred")).isEqualTo("\"\\x1b[31mred\"");
        assertThat(Escape.logfmt(CSI + "2J")).isEqualTo("\"\\x9b2J\"");
        assertThat(Escape.logfmt("a\u0000b")).isEqualTo("\"a\\x00b\"");
        assertThat(Escape.logfmt("del\u007f")).isEqualTo("\"del\\x7f\"");
        assertThat(Escape.logfmt("bell\u0007")).isEqualTo("\"bell\\x07\"");
    }

    @Test
    void bidiOverridesAndInvisiblesAreEscapedInLogfmt() {
        assertThat(Escape.logfmt("evil" + RLO + "fdp.exe")).isEqualTo("\"evil\\u202efdp.exe\"");
        assertThat(Escape.logfmt("a\u2066b\u2069")).isEqualTo("\"a\\u2066b\\u2069\"");
        assertThat(Escape.logfmt("zero\u200bwidth")).isEqualTo("\"zero\\u200bwidth\"");
        assertThat(Escape.logfmt("line\u2028sep")).isEqualTo("\"line\\u2028sep\"");
    }

    @Test
    void invisiblesOutsideTheBmpAreEscaped() {
        String tagged = "ok\uDB40\uDC01\uDB40\uDC41"; // U+E0001 LANGUAGE TAG, U+E0041 TAG LATIN CAPITAL A
        assertThat(Escape.json(tagged)).isEqualTo("\"ok\\udb40\\udc01\\udb40\\udc41\"");
        assertThat(Escape.logfmt(tagged)).isEqualTo("\"ok\\udb40\\udc01\\udb40\\udc41\"");
        assertThat(parseJsonString(Escape.json(tagged))).isEqualTo(tagged);
        // visible characters outside the BMP stay as they are
        assertThat(Escape.json("\uD83D\uDE00")).isEqualTo("\"\uD83D\uDE00\"");
    }

    @Test
    void loneSurrogatesAreEscaped() {
        assertThat(Escape.json("a\uD800b")).isEqualTo("\"a\\ud800b\"");
        assertThat(Escape.json("\uDC00")).isEqualTo("\"\\udc00\"");
        assertThat(Escape.logfmt("x\uDBFF")).isEqualTo("\"x\\udbff\"");
    }

    @Test
    void printableNonAsciiIsKeptButQuoted() {
        assertThat(Escape.logfmt("café")).isEqualTo("\"café\"");
        assertThat(Escape.logfmt("日本")).isEqualTo("\"日本\"");
    }

    @Test
    void aForgedLogLineStaysOnOneLine() {
        String forged = "x\nWARN CONNECT BLOCKED blocked=true ip=1.2.3.4\r\u001b[2K";
        String out = Escape.logfmt(forged);
        assertThat(out).doesNotContain("\n", "\r").startsWith("\"").endsWith("\"");
        assertNoRawDangerousChars(out);
        assertThat(unLogfmt(out)).isEqualTo(forged);
    }

    // --- JSON

    @Test
    void jsonEscapesQuotesBackslashesAndControls() {
        assertThat(Escape.json("")).isEqualTo("\"\"");
        assertThat(Escape.json("plain")).isEqualTo("\"plain\"");
        assertThat(Escape.json("a\"b")).isEqualTo("\"a\\\"b\"");
        assertThat(Escape.json("a\\b")).isEqualTo("\"a\\\\b\"");
        assertThat(Escape.json("a\nb\tc\rd")).isEqualTo("\"a\\nb\\tc\\rd\"");
        assertThat(Escape.json(ESC + "[0m")).isEqualTo("\"\\u001b[0m\"");
        assertThat(Escape.json("\u0000")).isEqualTo("\"\\u0000\"");
        assertThat(Escape.json(String.valueOf(CSI))).isEqualTo("\"\\u009b\"");
        assertThat(Escape.json(String.valueOf(RLO))).isEqualTo("\"\\u202e\"");
        assertThat(Escape.json("\u2028\u2029")).isEqualTo("\"\\u2028\\u2029\"");
        assertThat(Escape.json("a=b c")).isEqualTo("\"a=b c\"");
        assertThat(Escape.json("café 日本 \uD83D\uDE00")).isEqualTo("\"café 日本 \uD83D\uDE00\"");
    }

    @Test
    void jsonOfTrickyStringsParsesBackToTheSameString() {
        for (String s : tricky()) {
            String lit = Escape.json(s);
            assertNoRawDangerousChars(lit);
            assertThat(parseJsonString(lit)).as("round trip of %s", lit).isEqualTo(s);
        }
    }

    @Test
    void logfmtOfTrickyStringsParsesBackToTheSameString() {
        for (String s : tricky()) {
            String v = Escape.logfmt(s);
            assertNoRawDangerousChars(v);
            if (!v.startsWith("\"")) assertThat(v).as("a bare value is one token").doesNotContain(" ", "=", "\\");
            assertThat(unLogfmt(v)).as("round trip of %s", v).isEqualTo(s);
        }
    }

    /** A fixed-seed sample of strings over the characters that matter, plus random BMP text. */
    private static List<String> tricky() {
        char[] pool = {'a', 'Z', '0', ' ', '"', '\\', '=', '/', '\n', '\r', '\t', 0, 7, ESC, 0x7f, 0x80, CSI, 0x9f,
                0xa0, 'é', RLO, '\u202d', '\u2066', '\u200b', '\u200e', '\ufeff', '\u2028', '\u2029', '日'};
        List<String> out = new ArrayList<>(List.of("", "x", "\"\"", "\\\\\\", "\\u0041", "\\x41", "\\n"));
        Random rnd = new Random(20240601);
        for (int n = 0; n < 500; n++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + rnd.nextInt(12);
            for (int i = 0; i < len; i++) {
                int pick = rnd.nextInt(10);
                if (pick < 2) {
                    sb.append((char) rnd.nextInt(0x10000)); // any UTF-16 unit, lone surrogates included
                } else if (pick == 2) {
                    sb.appendCodePoint(0x10000 + rnd.nextInt(0x100000)); // outside the BMP: tags, emoji, unassigned
                } else if (pick == 3) {
                    sb.appendCodePoint(0xE0000 + rnd.nextInt(0x80)); // tag characters
                } else {
                    sb.append(pool[rnd.nextInt(pool.length)]);
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    // --- decoders written from the specs, independent of Escape

    /** Strict RFC 8259 string literal parser: rejects raw controls, unknown escapes, junk after the quote. */
    static String parseJsonString(String lit) {
        if (lit.length() < 2 || lit.charAt(0) != '"') throw new IllegalArgumentException("not a JSON string: " + lit);
        StringBuilder sb = new StringBuilder();
        int i = 1;
        while (true) {
            if (i >= lit.length()) throw new IllegalArgumentException("unterminated: " + lit);
            char c = lit.charAt(i++);
            if (c == '"') break;
            if (c < 0x20) throw new IllegalArgumentException("raw control U+" + Integer.toHexString(c) + " in " + lit);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i >= lit.length()) throw new IllegalArgumentException("dangling backslash: " + lit);
            char e = lit.charAt(i++);
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
                    if (i + 4 > lit.length()) throw new IllegalArgumentException("short \\u escape: " + lit);
                    String hex = lit.substring(i, i + 4);
                    if (!hex.matches("[0-9a-fA-F]{4}")) throw new IllegalArgumentException("bad \\u escape: " + lit);
                    sb.append((char) Integer.parseInt(hex, 16));
                    i += 4;
                }
                default -> throw new IllegalArgumentException("invalid escape \\" + e + " in " + lit);
            }
        }
        if (i != lit.length()) throw new IllegalArgumentException("junk after the string: " + lit);
        return sb.toString();
    }

    /** Reads one logfmt value back: bare, or quoted with \" \\ \n \r \t \xHH \\uHHHH. */
    static String unLogfmt(String v) {
        if (!v.startsWith("\"")) {
            if (v.isEmpty() || v.contains(" ") || v.contains("\"")) throw new IllegalArgumentException("bad bare value: " + v);
            return v;
        }
        if (v.length() < 2 || !v.endsWith("\"")) throw new IllegalArgumentException("unterminated: " + v);
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < v.length() - 1; i++) {
            char c = v.charAt(i);
            if (c == '"') throw new IllegalArgumentException("raw quote inside: " + v);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = v.charAt(++i);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'x' -> {
                    sb.append((char) Integer.parseInt(v.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                case 'u' -> {
                    sb.append((char) Integer.parseInt(v.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> throw new IllegalArgumentException("invalid escape \\" + e + " in " + v);
            }
        }
        return sb.toString();
    }

    @Test
    void theTestDecodersRejectWhatTheyShould() {
        assertThatThrownBy(() -> parseJsonString("\"a\nb\"")).hasMessageContaining("raw control");
        assertThatThrownBy(() -> parseJsonString("\"\\x1b\"")).hasMessageContaining("invalid escape");
        assertThatThrownBy(() -> parseJsonString("\"a\"b\"")).hasMessageContaining("junk");
        assertThatThrownBy(() -> parseJsonString("\"abc")).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> unLogfmt("\"a\"b\"")).hasMessageContaining("raw quote");
        assertThat(parseJsonString("\"\\u0041\\n\"")).isEqualTo("A\n");
    }

    @Test
    void textKeepsQuotesButEscapesWhatATerminalWouldInterpret() {
        assertThat(Escape.visible("p.yaml:1:1: error: 'a\"b' ok")).isEqualTo("p.yaml:1:1: error: 'a\"b' ok");
        assertThat(Escape.visible("x\u001b[31my\nz\u202e\u009b")).isEqualTo("x\\x1b[31my\\nz\\u202e\\x9b");
    }
}
