package dev.cordon.cli;

import dev.cordon.dns.DnsProxy;
import dev.cordon.dns.DnsService;
import dev.cordon.dns.LearnedAddresses;
import dev.cordon.dns.QueryHandler;
import dev.cordon.dns.ResolvConf;
import dev.cordon.dns.Upstreams;
import dev.cordon.libbpf.LibBpfLog;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.Action;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.Limits;
import dev.cordon.policy.Loopback;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import dev.cordon.policy.OutageStyle;
import dev.cordon.policy.PolicyException;
import dev.cordon.session.CommandLauncher;
import dev.cordon.session.Session;
import dev.cordon.session.SessionOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run COMMAND in a fresh cgroup. Its DNS goes through cordon's proxy, which decides every name; "
                + "its connections are checked in the kernel against CIDR rules and the addresses learned from DNS "
                + "answers. Denied attempts fail at once (NXDOMAIN, EPERM) in enforce mode, or are only reported in "
                + "audit mode; either way cordon names the process and its command line.",
        customSynopsis = "cordon run [OPTIONS] -- COMMAND [ARGS...]",
        footer = {"",
                "Domains match on label boundaries: github.com matches api.github.com, never evilgithub.com. "
                        + "The most specific domain rule or prefix decides; the same one both allowed and denied is denied. "
                        + "Loopback (127.0.0.0/8, ::1) is allowed unless a rule names it or a part of it.",
                "",
                "With --policy FILE: settings given as options (--mode, --default, --loopback, --blocked-response, "
                        + "--upstream-timeout, --allow-raw-sockets) override the file's; --upstream replaces the file's "
                        + "upstreams; --allow, --deny, --allow-cidr and --deny-cidr add to the file's rules. A file with "
                        + "errors is reported line by line and nothing runs (exit 125).",
                "",
                "Exit status: the command's own (128+N if signal N killed it); 125 if cordon failed or was "
                        + "used wrongly; 126 if the command cannot be executed; 127 if it was not found."})
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "Read settings and rules from a YAML policy file (see cordon policy check). Options given here "
                    + "override its settings, --upstream replaces its upstreams, and rule options add to its rules.")
    Path policyFile;

    @Option(names = "--deny-cidr", paramLabel = "CIDR", converter = CidrConverter.class,
            description = "Deny this prefix or address (repeatable), e.g. 10.0.0.0/8, 2001:db8::/32, 192.0.2.7.")
    List<Cidr> denyCidrs = new ArrayList<>();

    @Option(names = "--allow-cidr", paramLabel = "CIDR", converter = CidrConverter.class,
            description = "Allow this prefix or address (repeatable).")
    List<Cidr> allowCidrs = new ArrayList<>();

    @Option(names = "--deny", paramLabel = "DOMAIN", converter = DomainConverter.class,
            description = "Deny this domain and its subdomains (repeatable); *.DOMAIN denies subdomains only.")
    List<DomainPattern> denyDomains = new ArrayList<>();

    @Option(names = "--allow", paramLabel = "DOMAIN", converter = DomainConverter.class,
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

    @Option(names = "--upstream", paramLabel = "IP[:PORT]", converter = UpstreamConverter.class,
            description = "DNS server the proxy forwards to (repeatable; default: the nameservers of /etc/resolv.conf).")
    List<InetSocketAddress> upstreams = new ArrayList<>();

    @Option(names = "--blocked-response", paramLabel = "nxdomain|refused",
            description = "How a blocked name is answered (default: nxdomain).")
    QueryHandler.BlockedResponse blockedResponse;

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

    @Option(names = "--allow-raw-sockets",
            description = "Let the command create raw sockets in enforce mode. They bypass every address check "
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
    @Option(names = "--keep-cap", paramLabel = "CAP", converter = KeepCapConverter.class,
            description = "Let the command keep this capability, which cordon otherwise drops (repeatable): "
                    + "sys_admin, net_admin, net_raw, bpf, perfmon, sys_module, sys_ptrace, sys_rawio. Each one it keeps "
                    + "can be used to leave or blind the guard.")
    List<dev.cordon.sys.Capability> keepCaps = new ArrayList<>();

    @Option(names = "--user", paramLabel = "USER", converter = UserConverter.class,
            description = "Run the command as USER (name or uid): its uid, gid and groups; HOME, USER and LOGNAME are set to match.")
    dev.cordon.sys.UserAccount user;

    @Option(names = "--memory", paramLabel = "SIZE", converter = MemoryConverter.class,
            description = "Cap the memory of the command and everything it starts, swap included, e.g. 512M or 1.5G (powers of "
                    + "1024). Past it the kernel's OOM killer ends a process of the session (and only of the session).")
    Limits.Memory memory;

    @Option(names = "--cpu", paramLabel = "CORES", converter = CpuConverter.class,
            description = "Cap the CPU time of the command and everything it starts, in cores, e.g. 0.5 or 2.")
    java.math.BigDecimal cpu;

    @Option(names = "--pids", paramLabel = "N", converter = PidsConverter.class,
            description = "At most N processes and threads at once; a fork past it fails (a fork bomb stops there).")
    Long pids;

    @Option(names = "--egress-rate", paramLabel = "RATE", converter = RateConverter.class,
            description = "Cap the outbound bandwidth of the command and everything it starts, loopback aside: 10Mbit, 500kbit, "
                    + "2MB/s. Enforced in the kernel; TCP is slowed down, not cut.")
    Limits.Rate egressRate;

    @Option(names = "--simulate-outage", paramLabel = "DOMAIN", converter = DomainConverter.class,
            description = "Rehearse an outage of DOMAIN and its subdomains (repeatable): it behaves as when it is really "
                    + "down, not as a firewall refusing it. See --outage-style.")
    List<DomainPattern> outageDomains = new ArrayList<>();

    @Option(names = "--outage-style", paramLabel = "timeout|servfail|refuse", defaultValue = "timeout",
            description = "timeout: DNS answers SERVFAIL after --outage-wait and connections to the domain's known addresses "
                    + "get no answer (a TCP connect gives up after --outage-wait); servfail: SERVFAIL at once, connections "
                    + "dropped; refuse: DNS works, connections are refused at once (default: ${DEFAULT-VALUE}).")
    OutageStyle outageStyle;

    @Option(names = "--outage-wait", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
            description = "How long a dead dependency keeps a caller waiting at most, e.g. 10s, 500ms (default: ${DEFAULT-VALUE}).")
    java.time.Duration outageWait;

    @Option(names = "--fail-on-violation",
            description = "Exit " + SessionOptions.EXIT_VIOLATION + " if anything was blocked or audited (would-be-blocked), "
                    + "even when the command succeeded.")
    boolean failOnViolation;

    @Option(names = "--no-summary", description = "Do not print the end-of-run summary on stderr.")
    boolean noSummary;

    @Option(names = "--report", paramLabel = "FILE", converter = ReportFileConverter.class,
            description = "Write a report of the run to FILE (repeatable); the format follows the extension: .md, .html, .json. "
                    + "When $GITHUB_STEP_SUMMARY is set, the Markdown report is appended to it as well.")
    List<Path> reports = new ArrayList<>();

    @Option(names = "--events", paramLabel = "FILE",
            description = "Write every connection attempt and exec of the session to FILE as JSON Lines.")
    Path eventsFile;

    @Option(names = "--debug", description = "Print libbpf's log (including verifier output) on stderr.")
    boolean debug;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The command to run and its arguments.")
    List<String> command = new ArrayList<>();

    RunCommand() {}

    @Override
    public Integer call() {
        dev.cordon.sys.StartupTrace.mark("parsed");
        PrintWriter err = spec.commandLine().getErr();
        if (debug) {
            LibBpfLog.setSink((level, line) -> {
                err.println("cordon: debug: libbpf: " + level.name().toLowerCase(java.util.Locale.ROOT) + ": " + line);
                err.flush();
            });
        }
        PolicyMerge.Merged p = PolicyMerge.merge(policyFile == null ? null : PolicyMerge.load(policyFile, err),
                new PolicyMerge.Flags(mode, defaultAction, loopback, allowRawSockets, upstreams, blockedResponse, upstreamTimeoutMs,
                        allowDomains, denyDomains, allowCidrs, denyCidrs, allowEncryptedDns, encryptedDnsLists,
                        blockPrivateAnswers, new Limits(memory, cpu, pids, egressRate)));
        DnsService.Options dns = dnsOptions(p);
        SessionOptions options = new SessionOptions(command, p.ipPolicy(), p.mode(), eventsFile, CommandLauncher.Stdio.INHERIT,
                dns, p.allowRawSockets(), dns == null ? OutagePlan.NONE : dns.outage(),
                new SessionOptions.Reporting(failOnViolation, !noSummary, reports,
                        policyFile == null ? null : policyFile.toString()),
                new dev.cordon.session.Containment(java.util.Set.copyOf(keepCaps), user), p.limits());
        dev.cordon.sys.StartupTrace.mark("policy");
        return sessionRunner.apply(options);
    }

    private DnsService.Options dnsOptions(PolicyMerge.Merged p) {
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
            } catch (java.io.IOException e) {
                throw new PolicyException("cannot read /etc/resolv.conf (" + e.getMessage() + "); give --upstream IP[:PORT]");
            }
            if (servers.isEmpty()) throw new PolicyException("/etc/resolv.conf names no nameserver; give --upstream IP[:PORT]");
        }
        return new DnsService.Options(DomainPolicy.of(p.allDomainRules(), p.defaultAction()), p.mode(), p.blockedResponse(),
                servers, java.time.Duration.ofMillis(p.upstreamTimeoutMs()), new LearnedAddresses.Ttl(ttlFloor, ttlGrace),
                131_072, DnsProxy.Options.DEFAULT,
                new OutagePlan(outageDomains, outageStyle, outageWait), p.blockPrivateAnswers());
    }

    /** The seam tests replace to check parsing without root. */
    Function<SessionOptions, Integer> sessionRunner = o -> new Session(o, spec.commandLine().getErr()).run();

    /** Turns a parser's PolicyException into picocli's conversion error (one line, names the value). */
    private abstract static class PolicyConverter<T> implements ITypeConverter<T> {
        private final Function<String, T> parse;

        PolicyConverter(Function<String, T> parse) {
            this.parse = parse;
        }

        @Override
        public T convert(String value) {
            try {
                return parse.apply(value);
            } catch (PolicyException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DomainConverter extends PolicyConverter<DomainPattern> {
        DomainConverter() {
            super(DomainPattern::parse);
        }
    }

    static final class UpstreamConverter extends PolicyConverter<InetSocketAddress> {
        UpstreamConverter() {
            super(Upstreams::parse);
        }
    }

    /** {@code 10s}, {@code 500ms}, {@code 2m}, or plain seconds ({@code 1.5}). */
    static final class DurationConverter implements ITypeConverter<java.time.Duration> {
        @Override
        public java.time.Duration convert(String value) {
            String v = value.strip().toLowerCase(java.util.Locale.ROOT);
            try {
                if (v.endsWith("ms")) return java.time.Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                double n;
                long unitMs;
                if (v.endsWith("s")) { n = Double.parseDouble(v.substring(0, v.length() - 1)); unitMs = 1000; }
                else if (v.endsWith("m")) { n = Double.parseDouble(v.substring(0, v.length() - 1)); unitMs = 60_000; }
                else { n = Double.parseDouble(v); unitMs = 1000; }
                if (!Double.isFinite(n) || n < 0) throw new NumberFormatException();
                return java.time.Duration.ofMillis(Math.round(n * unitMs));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a duration; use e.g. 10s, 500ms or 2m");
            }
        }
    }

    /** Checks the extension up front, so a bad --report fails before the command runs. */
    static final class ReportFileConverter implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = Path.of(value);
            try {
                dev.cordon.report.ReportFormat.forFile(p);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            return p;
        }
    }

    /** A capability cordon drops, by setpriv's or /proc's name; anything else is an error naming the choices. */
    static final class KeepCapConverter implements ITypeConverter<dev.cordon.sys.Capability> {
        @Override
        public dev.cordon.sys.Capability convert(String value) {
            try {
                return dev.cordon.session.Containment.parseKeep(List.of(value)).iterator().next();
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Looked up now, so an unknown user fails before anything is set up. */
    static final class UserConverter implements ITypeConverter<dev.cordon.sys.UserAccount> {
        @Override
        public dev.cordon.sys.UserAccount convert(String value) {
            return dev.cordon.sys.UserAccount.lookup(value).orElseThrow(() -> new TypeConversionException(
                    "unknown user '" + dev.cordon.events.Escape.visible(value) + "': no such user in the system's account database"));
        }
    }

    static final class MemoryConverter extends PolicyConverter<Limits.Memory> {
        MemoryConverter() {
            super(Limits::parseMemory);
        }
    }

    static final class CpuConverter extends PolicyConverter<java.math.BigDecimal> {
        CpuConverter() {
            super(Limits::parseCpu);
        }
    }

    static final class RateConverter extends PolicyConverter<Limits.Rate> {
        RateConverter() {
            super(Limits::parseRate);
        }
    }

    static final class PidsConverter extends PolicyConverter<Long> {
        PidsConverter() {
            super(Limits::parsePids);
        }
    }

    static final class CidrConverter extends PolicyConverter<Cidr> {
        CidrConverter() {
            super(Cidr::parse);
        }
    }
}
