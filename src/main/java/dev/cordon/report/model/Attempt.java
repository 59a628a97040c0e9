package dev.cordon.report.model;

import dev.cordon.events.ScriptLine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One DNS query or network attempt of a process.
 *
 * @param domains     canonical names (lower case, no trailing dot): the queried name for DNS, the
 *                    names the address was learned from for connect/sendmsg; empty if none
 * @param ip          destination address (null for DNS)
 * @param waitedMs    how long a simulated outage held it, or -1
 * @param cmd         the command line of the process at the time of the attempt
 * @param exe         the file the process ran ({@code /usr/bin/curl}, whatever its command line says), or null if unknown
 * @param task        the task the process was in ({@code cordon guard}), or null
 * @param line        the bash script line that started the process, or null
 */
public record Attempt(Instant time, AttemptKind kind, Verdict verdict, int pid, String cmd, String exe, String task, ScriptLine line,
                      List<String> domains,
                      String ip, int port, String proto, String qtype, String rule, String reason,
                      List<String> addresses, String outageStyle, long waitedMs, String waitEnd) {
    public Attempt {
        domains = List.copyOf(domains);
        addresses = List.copyOf(addresses);
    }

    /** The domain if one is known, else {@code ip:port} ({@code [v6]:port}), else a raw or packet socket. */
    public String destination() {
        if (!domains.isEmpty()) return domains.getFirst();
        if (kind == AttemptKind.SOCKET) {
            return ("packet-socket".equals(rule) ? "packet socket" : "raw socket") + (proto == null ? "" : " (" + proto + ")");
        }
        if (ip == null) return "?";
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
    }

    /** When the outage wait ended; the attempt's own time if it did not wait. */
    public Instant end() {
        return waitedMs > 0 ? time.plus(Duration.ofMillis(waitedMs)) : time;
    }
}
