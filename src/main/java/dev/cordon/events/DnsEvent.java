package dev.cordon.events;

import dev.cordon.policy.Mode;

import java.time.Instant;
import java.util.List;

/**
 * One query the proxy decided.
 *
 * @param domain      the queried name, absolute ({@code github.com.})
 * @param reason      FromDNSRequest (the name itself), FromDNSResponseCNAME (a name in the answer chain)
 * @param blockedName the name that matched a deny rule (differs from domain for CNAME chains), or null
 * @param addresses   addresses in the answer (learned), empty when the query was not forwarded
 */
public record DnsEvent(Instant time, String domain, String qtype, Verdict verdict, String reason, String blockedName,
                       String rule, ProcessTable.Attribution who, Mode mode, String firewallMethod, String transport,
                       List<String> addresses) {
    public static final String FROM_REQUEST = "FromDNSRequest";
    public static final String FROM_CNAME = "FromDNSResponseCNAME";

    public DnsEvent {
        addresses = List.copyOf(addresses);
    }
}
