package dev.cordon.cli;

import dev.cordon.events.Escape;
import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainRule;
import dev.cordon.policy.EncryptedDns;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.IpRule;
import dev.cordon.policy.Limits;
import dev.cordon.policy.Loopback;
import dev.cordon.policy.Mode;
import dev.cordon.policy.PolicyException;
import dev.cordon.policy.file.PolicyFile;
import dev.cordon.policy.file.PolicyFileException;
import dev.cordon.policy.file.PolicyFileParser;
import dev.cordon.policy.file.PolicyProblem;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --policy FILE} plus the command line. Scalars given on the command line override the
 * file; {@code --upstream} replaces the file's upstream list; rule flags add to the file's rules.
 * A null flag was not given.
 */
final class PolicyMerge {
    private PolicyMerge() {}

    record Flags(Mode mode, Action defaultAction, Loopback loopback, Boolean allowRawSockets, List<InetSocketAddress> upstreams,
                 BlockedResponse blockedResponse, Long upstreamTimeoutMs, List<DomainPattern> allow, List<DomainPattern> deny,
                 List<Cidr> allowCidrs, List<Cidr> denyCidrs, Boolean allowEncryptedDns, List<Path> encryptedDnsLists,
                 Boolean blockPrivateAnswers, Limits limits) {}

    /**
     * @param upstreams   empty: use /etc/resolv.conf
     * @param domainRules the user's rules (file and options)
     * @param encryptedDnsNames the encrypted-DNS list's names the user's rules leave blocked (empty when allowed)
     * @param limits      the file's limits, each overridden by its option
     */
    record Merged(Mode mode, Action defaultAction, IpPolicy ipPolicy, List<DomainRule> domainRules, boolean allowRawSockets,
                  List<InetSocketAddress> upstreams, BlockedResponse blockedResponse, long upstreamTimeoutMs,
                  List<DomainRule> encryptedDnsNames, boolean blockPrivateAnswers, Limits limits) {
        /** What the DNS proxy decides names by. */
        List<DomainRule> allDomainRules() {
            List<DomainRule> all = new ArrayList<>(domainRules);
            all.addAll(encryptedDnsNames);
            return all;
        }
    }

    /**
     * Reads and checks a policy file; warnings go to {@code err}, errors throw.
     *
     * @throws PolicyFileException with every problem when the file has errors
     * @throws PolicyException     when the file cannot be read
     */
    static PolicyFile load(Path file, PrintWriter err) {
        PolicyFileParser.Result r;
        try {
            r = PolicyFileParser.read(file);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new PolicyException("cannot read policy file " + file + ": " + Cli.ioMessage(e));
        }
        if (!r.valid()) throw new PolicyFileException(file.toString(), r.problems());
        for (PolicyProblem p : r.problems()) err.println(Escape.visible(p.format(file.toString())));
        err.flush();
        return r.policy();
    }

    static Merged merge(PolicyFile file, Flags f) {
        Mode mode = first(f.mode(), file == null ? null : file.mode(), Mode.ENFORCE);
        Action def = first(f.defaultAction(), file == null ? null : file.defaultAction(), Action.ALLOW);
        Loopback loopback = first(f.loopback(), file == null ? null : file.loopback(), Loopback.ALLOW);
        boolean raw = first(f.allowRawSockets(), file == null ? null : file.allowRawSockets(), false);
        List<InetSocketAddress> upstreams = !f.upstreams().isEmpty() ? f.upstreams()
                : file != null && file.upstreams() != null ? file.upstreams() : List.of();
        BlockedResponse blocked = first(f.blockedResponse(), file == null ? null : file.blockedResponse(), BlockedResponse.NXDOMAIN);
        long timeout = first(f.upstreamTimeoutMs(), file == null ? null : file.upstreamTimeoutMs(), 2000L);

        List<IpRule> ipRules = new ArrayList<>(file == null ? List.of() : file.ipRules());
        for (Cidr c : f.allowCidrs()) ipRules.add(new IpRule(c, Action.ALLOW, "--allow-cidr"));
        for (Cidr c : f.denyCidrs()) ipRules.add(new IpRule(c, Action.DENY, "--deny-cidr"));
        List<DomainRule> domainRules = new ArrayList<>(file == null ? List.of() : file.domainRules());
        for (DomainPattern p : f.allow()) domainRules.add(new DomainRule(p, Action.ALLOW, "--allow"));
        for (DomainPattern p : f.deny()) domainRules.add(new DomainRule(p, Action.DENY, "--deny"));
        boolean privateAnswers = first(f.blockPrivateAnswers(), file == null ? null : file.blockPrivateAnswers(), false);

        EncryptedDns.Setting encrypted = Boolean.TRUE.equals(f.allowEncryptedDns()) ? EncryptedDns.Setting.ALLOW
                : first(file == null ? null : file.encryptedDns(), null, EncryptedDns.Setting.BLOCK);
        List<DomainRule> encryptedNames = List.of();
        List<IpRule> userIpRules = List.copyOf(ipRules);
        if (encrypted == EncryptedDns.Setting.BLOCK) {
            List<EncryptedDns.EndpointList> lists = new ArrayList<>();
            lists.add(EncryptedDns.builtIn());
            for (Path p : f.encryptedDnsLists()) lists.add(EncryptedDns.read(p));
            encryptedNames = EncryptedDns.domainRules(lists, domainRules);
            ipRules.addAll(EncryptedDns.ipRules(lists, userIpRules, loopback));
        } else if (!f.encryptedDnsLists().isEmpty()) {
            throw new PolicyException("--encrypted-dns-list has no effect when encrypted DNS is allowed (--allow-encrypted-dns or encryptedDns: allow)");
        }
        IpPolicy ipPolicy;
        try {
            ipPolicy = IpPolicy.of(ipRules, def, loopback);
        } catch (IpPolicy.TooManyPortRanges e) {
            if (encrypted != EncryptedDns.Setting.BLOCK) throw e;
            throw new PolicyException(e.getMessage() + " (port " + EncryptedDns.DOT_PORT + " is denied on every allowed prefix "
                    + "to block DNS over TLS; name port 853 in a rule of that prefix, or allow encrypted DNS)");
        }
        Limits limits = (file == null ? Limits.NONE : file.limits()).overriddenBy(f.limits());
        return new Merged(mode, def, ipPolicy, domainRules, raw, upstreams, blocked, timeout, encryptedNames, privateAnswers, limits);
    }

    private static <T> T first(T flag, T file, T builtIn) {
        return flag != null ? flag : file != null ? file : builtIn;
    }
}
