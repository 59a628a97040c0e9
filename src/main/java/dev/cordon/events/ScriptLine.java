package dev.cordon.events;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which line of which shell script started a process: what {@code ${BASH_SOURCE[0]}} and
 * {@code $LINENO} said in the bash that ran the command (the script, a file it sourced, or the file
 * that defined the function). The file is named as bash names it: as the script was invoked or
 * sourced ({@code ./deploy.sh}, {@code lib/common.sh}), relative to the directory it was run from.
 *
 * <p>When that bash was itself started by a line of another script ({@code ci.sh} runs
 * {@code ./deploy.sh}; a {@code python3} on $PATH that is a pyenv shim), {@code from} is that line,
 * so the whole way from the outermost script is kept: {@code ./ci.sh:3 > ./deploy.sh:9}.
 *
 * @param line the line, or 0 when bash's count says nothing about the script: inside an EXIT or
 *             signal trap it counts the trap's own command string
 * @param trap the trap whose commands ran it ({@code EXIT}, {@code ERR}, {@code INT}, ...), or null
 * @param from the script line that started the shell running this one, or null
 */
public record ScriptLine(String file, int line, String trap, ScriptLine from) {
    /** Lines kept from the outermost to the innermost; deeper ones lose the lines just below the outermost. */
    public static final int MAX_DEPTH = 8;

    public ScriptLine {
        Objects.requireNonNull(file, "file");
        if (line < 0) throw new IllegalArgumentException("line " + line);
    }

    public ScriptLine(String file, int line) {
        this(file, line, null, null);
    }

    public ScriptLine(String file, int line, String trap) {
        this(file, line, trap, null);
    }

    /** This line and the ones it was reached from, reached in turn from {@code outer} (null: as it is). */
    public ScriptLine startedFrom(ScriptLine outer) {
        if (outer == null) return this;
        List<ScriptLine> all = new ArrayList<>(outer.chain());
        all.addAll(chain());
        return of(all);
    }

    /** The lines from the outermost script to this one, each without its {@code from}. */
    public List<ScriptLine> chain() {
        List<ScriptLine> out = new ArrayList<>();
        for (ScriptLine l = this; l != null && out.size() <= MAX_DEPTH; l = l.from()) out.addFirst(l.own());
        return out;
    }

    /**
     * Lines linked, outermost first (each one's own {@code from} is ignored); the last one is the
     * result, null for none. Past {@link #MAX_DEPTH}, the lines just below the outermost are left out.
     */
    public static ScriptLine of(List<ScriptLine> chain) {
        List<ScriptLine> kept = new ArrayList<>(chain);
        if (kept.size() > MAX_DEPTH) kept.subList(1, kept.size() - (MAX_DEPTH - 1)).clear();
        ScriptLine at = null;
        for (ScriptLine l : kept) at = new ScriptLine(l.file(), l.line(), l.trap(), at);
        return at;
    }

    /** This line without where it was reached from. */
    public ScriptLine own() {
        return from == null ? this : new ScriptLine(file, line, trap, null);
    }

    /**
     * {@code deploy.sh:9}, {@code deploy.sh:4 (ERR trap)}, {@code deploy.sh (EXIT trap)}, from the
     * outermost script: {@code ./ci.sh:3 > ./deploy.sh:9}. Unescaped: escape it for the medium.
     */
    public String label() {
        StringBuilder sb = new StringBuilder();
        for (ScriptLine l : chain()) {
            if (!sb.isEmpty()) sb.append(" > ");
            sb.append(l.line() > 0 ? l.file() + ":" + l.line() : l.file());
            if (l.trap() != null) sb.append(" (").append(l.trap()).append(" trap)");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return label();
    }
}
