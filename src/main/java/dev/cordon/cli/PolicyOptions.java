package dev.cordon.cli;

import dev.cordon.dns.DnsProxy;
import dev.cordon.dns.DnsService;
import dev.cordon.dns.LearnedAddresses;
import dev.cordon.dns.ResolvConf;
import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.Limits;
import dev.cordon.policy.Loopback;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import dev.cordon.policy.OutageStyle;
import dev.cordon.policy.PolicyException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The policy options {@code cordon run} and {@code cordon guard} share (a picocli mixin): the
 * policy file, rules, settings, DNS, limits and outages. {@link #merge} is where they meet the file.
 */
final class PolicyOptions {
    @Option(names = "--policy", paramLabel = "FILE",
            description = "Read settings and rules from a YAML policy file (see cordon policy check). Options given here "
                    + "override its settings, --upstream replaces its upstreams, and rule options add to its rules.")
    Path policyFile;

    @Option(names = "--deny-cidr", paramLabel = "CIDR", converter = Converters.CidrConverter.class,
            description = "Deny this prefix or address (repeatable), e.g. 10.0.0.0/8, 2001:db8::/32, 192.0.2.7.")
    List<Cidr> denyCidrs = new ArrayList<>();

    @Option(names = "--allow-cidr", paramLabel = "CIDR", converter = Converters.CidrConverter.class,
            description = "Allow this prefix or address (repeatable).")
    List<Cidr> allowCidrs = new ArrayList<>();

    @Option(names = "--deny", paramLabel = "DOMAIN", converter = Converters.DomainConverter.class,
            description = "Deny this domain and its subdomains (repeatable); *.DOMAIN denies subdomains only.")
    List<DomainPattern> denyDomains = new ArrayList<>();

    @Option(names = "--allow", paramLabel = "DOMAIN", converter = Converters.DomainConverter.class,
            description = "Allow this domain and its subdomains (repeatable); the most specific rule wins.")
    List<DomainPattern> allowDomains = new ArrayList<>();

    // Settings without defaultValue: null means "not given", so a policy file's value stands (PolicyMerge).
    @Option(names = "--default", paramLabel = "allow|deny",
            description = "What happens to domains and destinations no rule matches (default: allow).")
    Action defaultAction;

    @Option(names = "--mode", paramLabel = "enforce|audit",
            description = "enforce: denied attempts fail with EPERM; audit: they succeed and are reported (default: enforce).")
    Mode mode;

    @Option(names = "--loopback", paramLabel = "allow|rules",
            description = "allow: 127.0.0.0/8 and ::1 are allowed unless a rule names them; rules: loopback follows the "
                    + "rules and the default like any address (default: allow).")
    Loopback loopback;

    @Option(names = "--upstream", paramLabel = "IP[:PORT]", converter = Converters.UpstreamConverter.class,
            description = "DNS server the proxy forwards to (repeatable; default: the nameservers of /etc/resolv.conf).")
    List<InetSocketAddress> upstreams = new ArrayList<>();

    @Option(names = "--blocked-response", paramLabel = "nxdomain|refused",
            description = "How a blocked name is answered (default: nxdomain).")
    BlockedResponse blockedResponse;

    @Option(names = "--upstream-timeout", paramLabel = "MS",
            description = "Give up on the upstreams after MS milliseconds and answer SERVFAIL (default: 2000).")
    Long upstreamTimeoutMs;

    @Option(names = "--dns-ttl-floor", paramLabel = "SECONDS", defaultValue = "30",
            description = "Keep a learned address at least this long, whatever its TTL (default: ${DEFAULT-VALUE}).")
    long ttlFloor;

    @Option(names = "--dns-ttl-grace", paramLabel = "SECONDS", defaultValue = "60",
            description = "Keep a learned address this long past its TTL, for clients that cache (default: ${DEFAULT-VALUE}).")
    long ttlGrace;

    @Option(names = "--no-dns-proxy",
            description = "Leave DNS alone: no proxy, no domain rules, IP rules only.")
    boolean noDnsProxy;

    @Option(names = "--no-first-bytes",
            description = "Do not judge the names in TCP connections' first bytes (a TLS ClientHello's server name, an HTTP "
                    + "request's Host): addresses and DNS only, so a blocked name sent to an allowed address gets through.")
    boolean noFirstBytes;

    @Option(names = "--allow-raw-sockets",
            description = "Let guarded processes create raw sockets in enforce mode. They bypass every address check "
                    + "(a hand-made DNS packet to any server), so this opens a hole; each one is still reported.")
    Boolean allowRawSockets;

    @Option(names = "--allow-encrypted-dns",
            description = "Do not block well-known public DoH/DoT/DoQ resolvers and port 853 (blocked by default, reported "
                    + "as reason=EncryptedDNS). Encrypted DNS bypasses cordon's proxy: its names are never checked.")
    Boolean allowEncryptedDns;

    @Option(names = "--encrypted-dns-list", paramLabel = "FILE",
            description = "More encrypted-DNS endpoints to block (repeatable): one name or address/prefix per line, # comments, "
                    + "as the built-in list.")
    List<Path> encryptedDnsLists = new ArrayList<>();

    @Option(names = "--block-private-answers",
            description = "Refuse DNS answers that give a public name a private, loopback, link-local, ULA or CGNAT address "
                    + "(DNS rebinding, e.g. to 169.254.169.254); reported as reason=PrivateAnswer. Names under localhost, "
                    + "local, internal, home.arpa, lan, intranet, corp and private may have them.")
    Boolean blockPrivateAnswers;
    @Option(names = "--memory", paramLabel = "SIZE", converter = Converters.MemoryConverter.class,
            description = "Cap the memory of what cordon guards (the command and all it starts, or the guarded cgroup), swap included, e.g. 512M or 1.5G (powers of "
                    + "1024). Past it the kernel's OOM killer ends a process inside (and only inside).")
    Limits.Memory memory;

    @Option(names = "--cpu", paramLabel = "CORES", converter = Converters.CpuConverter.class,
            description = "Cap the CPU time of what cordon guards, in cores, e.g. 0.5 or 2.")
    BigDecimal cpu;

    @Option(names = "--pids", paramLabel = "N", converter = Converters.PidsConverter.class,
            description = "At most N processes and threads at once; a fork past it fails (a fork bomb stops there).")
    Long pids;

    @Option(names = "--egress-rate", paramLabel = "RATE", converter = Converters.RateConverter.class,
            description = "Cap the outbound bandwidth of what cordon guards, loopback aside: 10Mbit, 500kbit, "
                    + "2MB/s. Enforced in the kernel; TCP is slowed down, not cut.")
    Limits.Rate egressRate;

    @Option(names = "--simulate-outage", paramLabel = "DOMAIN", converter = Converters.DomainConverter.class,
            description = "Rehearse an outage of DOMAIN and its subdomains (repeatable): it behaves as when it is really "
                    + "down, not as a firewall refusing it. See --outage-style.")
    List<DomainPattern> outageDomains = new ArrayList<>();

    @Option(names = "--outage-style", paramLabel = "timeout|servfail|refuse", defaultValue = "timeout",
            description = "timeout: DNS answers SERVFAIL after --outage-wait and connections to the domain's known addresses "
                    + "get no answer (a TCP connect gives up after --outage-wait); servfail: SERVFAIL at once, connections "
                    + "dropped; refuse: DNS works, connections are refused at once (default: ${DEFAULT-VALUE}).")
    OutageStyle outageStyle;

    @Option(names = "--outage-wait", paramLabel = "DURATION", converter = Converters.DurationConverter.class, defaultValue = "10s",
            description = "How long a dead dependency keeps a caller waiting at most, e.g. 10s, 500ms (default: ${DEFAULT-VALUE}).")
    Duration outageWait;


    /** The file (read now, warnings to {@code err}) merged with these options. */
    PolicyMerge.Merged merge(PrintWriter err) {
        return PolicyMerge.merge(policyFile == null ? null : PolicyMerge.load(policyFile, err), flags());
    }

    PolicyMerge.Flags flags() {
        return new PolicyMerge.Flags(mode, defaultAction, loopback, allowRawSockets, upstreams, blockedResponse, upstreamTimeoutMs,
                allowDomains, denyDomains, allowCidrs, denyCidrs, allowEncryptedDns, encryptedDnsLists,
                blockPrivateAnswers, new Limits(memory, cpu, pids, egressRate));
    }

    /** The DNS proxy's options for {@code p}, or null with --no-dns-proxy (then no option may need the proxy). */
    DnsService.Options dnsOptions(PolicyMerge.Merged p) {
        if (noDnsProxy) {
            if (!p.domainRules().isEmpty()) {
                throw new PolicyException("domain rules (--deny/--allow or the policy file's domains) need the DNS proxy; drop --no-dns-proxy");
            }
            if (!outageDomains.isEmpty()) throw new PolicyException("--simulate-outage needs the DNS proxy; drop --no-dns-proxy");
            if (p.blockPrivateAnswers()) throw new PolicyException("--block-private-answers needs the DNS proxy; drop --no-dns-proxy");
            return null;
        }
        if (p.upstreamTimeoutMs() < 1) throw new PolicyException("--upstream-timeout must be at least 1 ms");
        if (ttlFloor < 0 || ttlGrace < 0) throw new PolicyException("--dns-ttl-floor and --dns-ttl-grace cannot be negative");
        List<InetSocketAddress> servers = p.upstreams();
        if (servers.isEmpty()) {
            try {
                servers = ResolvConf.nameservers(ResolvConf.SYSTEM);
            } catch (IOException e) {
                throw new PolicyException("cannot read /etc/resolv.conf (" + e.getMessage() + "); give --upstream IP[:PORT]");
            }
            if (servers.isEmpty()) throw new PolicyException("/etc/resolv.conf names no nameserver; give --upstream IP[:PORT]");
        }
        return new DnsService.Options(DomainPolicy.of(p.allDomainRules(), p.defaultAction()), p.mode(), p.blockedResponse(),
                servers, Duration.ofMillis(p.upstreamTimeoutMs()), new LearnedAddresses.Ttl(ttlFloor, ttlGrace),
                dev.cordon.kernel.Abi.LEARNED_MAX, DnsProxy.Options.DEFAULT,
                new OutagePlan(outageDomains, outageStyle, outageWait), p.blockPrivateAnswers(), !noFirstBytes);
    }
}
