package dev.cordon.report.read;

/** An events file cordon cannot read: the message names the file, line and what is wrong. */
public final class EventsFormatException extends Exception {
    private final int line;

    public EventsFormatException(String source, int line, String detail) {
        super(source + ":" + line + ": " + detail, null, false, false);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
