package dev.cordon.policy;

import java.util.Locale;

/**
 * How a --simulate-outage dependency behaves. Each is how real outages look, not how a firewall
 * refuses: the point is to see what the command does when the thing is down.
 */
public enum OutageStyle {
    /** DNS answers SERVFAIL only after the wait; connections to known addresses get no answer (dropped). */
    TIMEOUT,
    /** DNS answers SERVFAIL at once (its name servers are gone); connections to known addresses dropped. */
    SERVFAIL,
    /** DNS works; TCP connections are refused at once (the host is up, the service is not). */
    REFUSE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
