package dev.cordon.events;

/**
 * How long one attempt waited on a simulated outage, and how the wait ended.
 *
 * @param style    the outage style: timeout, servfail or refuse
 * @param waitedMs from the attempt until it ended
 * @param end      what ended it: {@link #ANSWERED} (DNS), {@link #REFUSED}, {@link #CLOSED} (the
 *                 command gave up and closed the socket), {@link #EXITED} (its process ended) or
 *                 {@link #SESSION_END} (still waiting when the run ended)
 */
public record OutageWait(String style, long waitedMs, String end) {
    public static final String ANSWERED = "answered";
    public static final String REFUSED = "refused";
    public static final String CLOSED = "closed";
    public static final String EXITED = "exited";
    public static final String SESSION_END = "session-end";
}
