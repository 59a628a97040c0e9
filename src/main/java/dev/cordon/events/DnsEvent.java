package dev.cordon.events;

import dev.cordon.policy.Mode;

import java.time.Instant;
import java.util.List;

/**
 * One query the proxy decided.
 *
 * @param domain      the queried name, absolute ({@code github.com.})
 * @param reason      one of {@link dev.cordon.policy.Reasons}: FromDNSRequest (the name itself),
 *                    FromDNSResponseCNAME (a name in the answer chain), EncryptedDNS (a name of the
 *                    encrypted-DNS list), PrivateAnswer (--block-private-answers), SimulatedOutage
 * @param blockedName the name that matched a deny rule (differs from domain for CNAME chains), or null
 * @param addresses   addresses in the answer (learned), empty when the query was not forwarded
 * @param outage      how a --simulate-outage name was answered and after how long, or null
 * @param chain       the other names of the answer (CNAME, DNAME and SVCB targets, absolute): what the
 *                    query also depended on, so an allowlist learned from it allows them too
 */
public record DnsEvent(Instant time, String domain, String qtype, Verdict verdict, String reason, String blockedName,
                       String rule, ProcessTable.Attribution who, Mode mode, String firewallMethod, String transport,
                       List<String> addresses, OutageWait outage, List<String> chain) {
    public DnsEvent {
        addresses = List.copyOf(addresses);
        chain = List.copyOf(chain);
    }

    public DnsEvent(Instant time, String domain, String qtype, Verdict verdict, String reason, String blockedName,
                    String rule, ProcessTable.Attribution who, Mode mode, String firewallMethod, String transport,
                    List<String> addresses, OutageWait outage) {
        this(time, domain, qtype, verdict, reason, blockedName, rule, who, mode, firewallMethod, transport, addresses, outage,
                List.of());
    }

    public DnsEvent(Instant time, String domain, String qtype, Verdict verdict, String reason, String blockedName,
                    String rule, ProcessTable.Attribution who, Mode mode, String firewallMethod, String transport,
                    List<String> addresses) {
        this(time, domain, qtype, verdict, reason, blockedName, rule, who, mode, firewallMethod, transport, addresses, null,
                List.of());
    }
}
