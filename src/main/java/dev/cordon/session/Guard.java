package dev.cordon.session;

import dev.cordon.dns.DnsService;
import dev.cordon.dns.LearnedAddresses;
import dev.cordon.dns.ProxyChain;
import dev.cordon.dns.Transport;
import dev.cordon.events.EventSink;
import dev.cordon.events.ProcessRef;
import dev.cordon.events.ProcessTable;
import dev.cordon.kernel.Abi;
import dev.cordon.kernel.EgressGuard;
import dev.cordon.libbpf.BpfException;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import dev.cordon.sys.StartupTrace;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * What guards one cgroup and everything below it: cordon's kernel programs (attached as links and
 * pinned), its DNS proxy and the event pump. {@code cordon run} puts one around the cgroup it makes
 * for its command; {@code cordon guard} around a cgroup that already exists. Closing detaches in
 * the safe order: events drained, programs detached, proxy closed.
 */
final class Guard implements AutoCloseable {
    /**
     * What the guard enforces.
     *
     * @param dns        the proxy's options, or null to leave DNS alone (IP rules only)
     * @param egressRate outbound bytes per second (--egress-rate), 0 for no cap
     * @param reportAll  an event for every attempt, allowed ones too (something records them)
     * @param alsoRedirected DNS servers whose traffic goes to the proxy besides its own upstreams (whatever their
     *                   port): the ones configured, when the proxy forwards to an outer guard's proxy instead
     * @param chain      the proxy's part in nested guards (its token, the outer guard's)
     */
    record Settings(IpPolicy policy, Mode mode, DnsService.Options dns, boolean allowRawSockets, OutagePlan outage,
                    long egressRate, boolean reportAll, List<InetSocketAddress> alsoRedirected, ProxyChain chain) {
        Settings {
            alsoRedirected = List.copyOf(alsoRedirected);
        }

        /** cordon run's: no nested guards. */
        Settings(IpPolicy policy, Mode mode, DnsService.Options dns, boolean allowRawSockets, OutagePlan outage,
                 long egressRate, boolean reportAll) {
            this(policy, mode, dns, allowRawSockets, outage, egressRate, reportAll, List.of(), ProxyChain.NONE);
        }

        /** Every server the programs send to the proxy, whatever its port. */
        List<InetSocketAddress> redirected(DnsService proxy) {
            java.util.LinkedHashSet<InetSocketAddress> all = new java.util.LinkedHashSet<>(proxy.upstreams());
            all.addAll(alsoRedirected);
            return List.copyOf(all);
        }
    }

    private final DnsService dns;
    private final EgressGuard kernel;
    private final ScriptShells shells;
    private final EventPump pump;

    private Guard(DnsService dns, EgressGuard kernel, ScriptShells shells, EventPump pump) {
        this.dns = dns;
        this.kernel = kernel;
        this.shells = shells;
        this.pump = pump;
    }

    /**
     * Starts the proxy, attaches and pins the programs to {@code cgroupFd}, connects the two and
     * starts the event pump. All or nothing: on failure what was started is stopped.
     *
     * @param refusal what the caller will not do without a guard, for the error ("not running the command")
     * @param pumpSinks where the pump delivers kernel events (the caller may filter them)
     * @param scriptLines reads script lines from the session's bash ({@link ScriptShells#start}, given the
     *                    kernel object and the pin directory), or turns them off
     */
    static Guard attach(Settings s, int cgroupFd, Path pinDir, ProcessTable processes, EventSink sinks, List<EventSink> pumpSinks,
                        ExecDenials denials, BiFunction<EgressGuard, Path, ScriptShells> scriptLines,
                        String refusal) {
        DnsService dns = null;
        EgressGuard kernel = null;
        ScriptShells shells = null;
        try {
            dns = s.dns() == null ? null : DnsService.start(s.dns(), processes, sinks, s.reportAll(), s.chain());
            StartupTrace.mark("dns");
            OutagePlan outage = s.outage();
            // Names in first bytes are judged by the proxy's domain policy: without a proxy there is none.
            EgressGuard.NameCheck nameCheck = dns == null || !s.dns().firstBytes() ? null
                    : new EgressGuard.NameCheck(s.dns().policy(), outage);
            kernel = EgressGuard.attach(new EgressGuard.Options(cgroupFd, s.policy(), s.mode(), s.reportAll(),
                    dns == null ? 0 : dns.port(), dns == null ? List.of() : s.redirected(dns), s.allowRawSockets(),
                    outage.active() ? outage.style() : null, outage.maxWait().toMillis(), s.egressRate(), nameCheck), pinDir);
            StartupTrace.mark("bpf");
            shells = scriptLines.apply(kernel, pinDir);
            StartupTrace.mark("script lines");
            Function<byte[], EventPump.LearnedNames> names = dns == null ? ip -> EventPump.LearnedNames.NONE : connect(dns, kernel);
            EventPump pump = new EventPump(kernel.events(), pumpSinks, kernel, processes, names,
                    outage.active() ? outage.style().label() : null, denials, shells);
            StartupTrace.mark("pump");
            return new Guard(dns, kernel, shells, pump);
        } catch (IOException e) {
            closeQuietly(shells, kernel, dns);
            throw new CordonException("cannot start the DNS proxy: " + e.getMessage() + "; " + refusal, e);
        } catch (BpfException e) {
            closeQuietly(shells, kernel, dns);
            throw new CordonException("cannot attach or pin the BPF programs, " + refusal + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(shells, kernel, dns);
            throw e;
        }
    }

    /** The proxy learns into the kernel's maps and asks it who sent a query; the pump names addresses by what was learned. */
    private static Function<byte[], EventPump.LearnedNames> connect(DnsService dns, EgressGuard kernel) {
        dns.attachKernel(new LearnedAddresses.KernelTable() {
            public void learn(byte[] ip, LearnedAddresses.Until until) {
                kernel.learn(ip, until.allowNs(), until.denyNs(), until.outageNs());
            }

            public void forget(byte[] ip) {
                kernel.forget(ip);
            }
        }, (port, txid, transport) -> kernel.queryOwner(port, txid, transport == Transport.TCP ? Abi.DNS_TCP : Abi.DNS_UDP)
                .map(o -> new ProcessRef(o.pid(), o.tid(), o.comm(), o.cgroupId())));
        LearnedAddresses learned = dns.learned();
        return ip -> {
            LearnedAddresses.Names n = learned.namesFor(ip);
            return new EventPump.LearnedNames(n.allowed(), n.denied(), n.outage());
        };
    }

    /**
     * A warning to print before the command runs when the kernel could not load the first-bytes
     * check: the session runs, but names in TLS and HTTP first bytes are not judged.
     */
    java.util.Optional<String> firstBytesWarning() {
        return kernel.firstBytesUnavailable().map(why -> "warning: this kernel cannot check the names in TLS and HTTP first bytes"
                + " (it needs Linux 5.17: sk_msg and sock_ops programs with bpf_loop); a name the policy blocks, sent to an"
                + " address it allows, is not caught in this run; `cordon doctor` says what is missing (" + why + ")");
    }

    /** The proxy, or null without one. */
    DnsService dns() {
        return dns;
    }

    EgressGuard kernel() {
        return kernel;
    }

    /** Blocked and audited attempts and queries so far. */
    long violations() {
        return pump.violations() + (dns == null ? 0 : dns.counters().blocked.get());
    }

    /**
     * Puts a new policy in force with no moment where neither applies: names first (queries from
     * now on, and what was learned), then the kernel's generation flip (EgressGuard.reload), which
     * also carries the names first bytes are judged by.
     */
    void reload(IpPolicy ip, DomainPolicy names, Mode mode) {
        if (dns != null && names != null) dns.reload(names, mode);
        kernel.reload(ip, names, mode);
    }

    /**
     * Ends the proxy first (queries held for an outage report their wait), then delivers every
     * kernel event: after this, nothing more reaches the sinks.
     */
    void drain() {
        shells.finish(); // nothing of the session execs any more: the probe on bash goes
        if (dns != null) dns.close();
        pump.close();
    }

    /** Detaches: the pump stops, the links are unpinned and destroyed, the proxy closes. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (AutoCloseable c : new AutoCloseable[] {pump, shells, kernel, dns}) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) first = e instanceof RuntimeException r ? r : new CordonException("closing the guard: " + e, e);
            }
        }
        if (first != null) throw first;
    }

    private static void closeQuietly(ScriptShells shells, EgressGuard kernel, DnsService dns) {
        try {
            if (shells != null) shells.close();
        } catch (RuntimeException ignored) {
            // already failing: the first error is the one to report
        }
        try {
            if (kernel != null) kernel.close();
        } catch (RuntimeException ignored) {
            // already failing: the first error is the one to report
        }
        if (dns != null) dns.close();
    }
}
