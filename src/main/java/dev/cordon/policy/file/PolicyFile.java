package dev.cordon.policy.file;

import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainRule;
import dev.cordon.policy.EncryptedDns;
import dev.cordon.policy.IpRule;
import dev.cordon.policy.Limits;
import dev.cordon.policy.Loopback;
import dev.cordon.policy.Mode;
import dev.cordon.policy.PortRange;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed policy file (version 1). A null setting was not given, so the command line or the
 * built-in default decides; every rule keeps the line it was written on.
 *
 * @param source    the file as the user named it; rules' origins read {@code source:line}
 * @param upstreams the DNS servers, or null for /etc/resolv.conf
 * @param encryptedDns whether well-known encrypted-DNS endpoints are blocked (null: not given, block)
 * @param blockPrivateAnswers refuse public names' private addresses (null: not given, off)
 * @param limits    the limits: section ({@link Limits#NONE} when not given)
 */
public record PolicyFile(String source, Mode mode, Action defaultAction, Loopback loopback, Boolean allowRawSockets,
                         List<InetSocketAddress> upstreams, BlockedResponse blockedResponse, Long upstreamTimeoutMs,
                         List<DomainEntry> domains, List<CidrEntry> cidrs, EncryptedDns.Setting encryptedDns,
                         Boolean blockPrivateAnswers, Limits limits) {
    public record DomainEntry(DomainPattern pattern, Action action, int line, int column) {}

    /** @param ports empty for every port */
    public record CidrEntry(Cidr cidr, List<PortRange> ports, Action action, int line, int column) {
        public CidrEntry {
            ports = List.copyOf(ports);
        }
    }

    public PolicyFile(String source, Mode mode, Action defaultAction, Loopback loopback, Boolean allowRawSockets,
                      List<InetSocketAddress> upstreams, BlockedResponse blockedResponse, Long upstreamTimeoutMs,
                      List<DomainEntry> domains, List<CidrEntry> cidrs) {
        this(source, mode, defaultAction, loopback, allowRawSockets, upstreams, blockedResponse, upstreamTimeoutMs, domains, cidrs,
                null, null, Limits.NONE);
    }

    public PolicyFile {
        upstreams = upstreams == null ? null : List.copyOf(upstreams);
        domains = List.copyOf(domains);
        cidrs = List.copyOf(cidrs);
        java.util.Objects.requireNonNull(limits, "limits");
    }

    public String origin(int line) {
        return source + ":" + line;
    }

    public List<DomainRule> domainRules() {
        List<DomainRule> out = new ArrayList<>();
        for (DomainEntry d : domains) out.add(new DomainRule(d.pattern(), d.action(), origin(d.line())));
        return out;
    }

    public List<IpRule> ipRules() {
        List<IpRule> out = new ArrayList<>();
        for (CidrEntry c : cidrs) out.add(new IpRule(c.cidr(), c.action(), origin(c.line()), c.ports()));
        return out;
    }
}
