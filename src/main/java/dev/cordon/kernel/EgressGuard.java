package dev.cordon.kernel;

import dev.cordon.libbpf.BpfLink;
import dev.cordon.libbpf.BpfMap;
import dev.cordon.libbpf.BpfObject;
import dev.cordon.libbpf.TypedMap;
import dev.cordon.policy.Action;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutageStyle;
import dev.cordon.sys.StartupTrace;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * cordon's kernel programs for one session: loaded, filled with the session's policy and
 * attached to its cgroup. Each session loads its own object, so two sessions share no maps.
 *
 * <p>Attachment is all or nothing: if any program fails to attach, everything attached so far is
 * released and the error propagates, so the command never runs half guarded. The same holds for
 * pinning, when a pin directory is given.
 */
public final class EgressGuard implements AutoCloseable {
    /** The cgroup programs every session attaches. */
    public static final List<String> CGROUP_PROGRAMS = List.of(
            "cordon_connect4", "cordon_connect6", "cordon_sendmsg4", "cordon_sendmsg6",
            "cordon_recvmsg4", "cordon_recvmsg6", "cordon_getpeername4", "cordon_getpeername6",
            "cordon_egress", "cordon_sock_create");
    /**
     * Loaded and attached only when the session rehearses an outage: sock_release ends a wait. Its
     * attach type is Linux 5.9, the newest cordon needs (docs/KERNELS.md), and it would run on every
     * socket close of a session with nothing to do.
     */
    public static final List<String> OUTAGE_PROGRAMS = List.of("cordon_sock_release");
    /**
     * The tracing programs, attached before the cgroup programs, all raw tracepoints: exec (argv),
     * exit (status) and sys_exit (raw and packet sockets, refused ones too; execs refused with EPERM).
     */
    public static final List<String> TRACE_PROGRAMS = List.of("cordon_exec", "cordon_exit", "cordon_sys_exit");

    /**
     * @param cgroupFd   an open fd of the session's cgroup directory (kept open by the caller)
     * @param reportAll  emit an event for every attempt, not only violations (for --events)
     * @param proxyPort  cordon's DNS proxy port on 127.0.0.1 and ::1; 0 turns DNS redirection off
     * @param dnsServers servers the command must not reach directly whatever their port (the upstreams)
     * @param allowRawSockets let raw inet sockets be created in enforce mode (a hole, reported)
     * @param outageStyle how addresses learned as down behave, or null when nothing is rehearsed as down
     * @param outageWaitMs cap on a TCP connect to such an address (TCP_USER_TIMEOUT)
     * @param egressRate the session's outbound bytes per second (--egress-rate), 0 for no cap
     */
    public record Options(int cgroupFd, IpPolicy policy, Mode mode, boolean reportAll, int proxyPort,
                          List<InetSocketAddress> dnsServers, boolean allowRawSockets, OutageStyle outageStyle,
                          long outageWaitMs, long egressRate) {
        public Options {
            dnsServers = List.copyOf(dnsServers);
            if (proxyPort < 0 || proxyPort > 65535) throw new IllegalArgumentException("bad proxy port " + proxyPort);
            if (outageWaitMs < 0 || outageWaitMs > Integer.MAX_VALUE) throw new IllegalArgumentException("bad outage wait " + outageWaitMs);
            if (egressRate < 0) throw new IllegalArgumentException("bad egress rate " + egressRate);
        }
    }

    /**
     * The credit --egress-rate's bucket holds: what a sender may send at once after a pause. A
     * packet the hook drops makes TCP wait for a timer (up to its 200 ms minimum RTO), so the bucket
     * holds a quarter second of the rate, and never less than one 64 KiB GSO packet (seen whole).
     */
    static long egressBurst(long rate) {
        return Math.max(64 * 1024, rate / 4);
    }

    /** How far into debt the bucket goes, TCP told to slow down, before packets are dropped: 20 ms of the rate, at least 64 KiB. */
    static long egressDebt(long rate) {
        return Math.max(64 * 1024, rate / 50);
    }

    /** The process that sent a DNS query, as the kernel recorded it. */
    public record QueryOwner(int pid, int tid, long monotonicNs, long cgroupId, String comm) {}

    private final BpfObject object;
    private final List<BpfLink> links = new ArrayList<>();
    private final java.util.Set<BpfLink> pinned = new java.util.HashSet<>();
    private final TypedMap<Integer, Codecs.Config> config;
    /** The rules of each policy generation (bpf/cordon.h: cordon_policy_layout), to name the rule an event carries. */
    private final IpPolicy[] policies = new IpPolicy[Abi.POLICY_GENERATIONS];
    private final Mode[] modes = new Mode[Abi.POLICY_GENERATIONS];
    private volatile int generation;
    private final TypedMap<Integer, Integer> generationMap;
    private final RefusePorts refuse; // null unless the outage style is refuse

    private EgressGuard(BpfObject object, RefusePorts refuse) {
        this.object = object;
        this.refuse = refuse;
        this.generationMap = object.map("policy_generation").typed(Codecs.U32, Codecs.U32);
        this.config = object.map("config").typed(Codecs.U32, Codecs.CONFIG);
    }

    /** Attaches without pinning: the links live only as long as this process (tests, probes). */
    public static EgressGuard attach(Options o) {
        return attach(o, null);
    }

    /**
     * Attaches and pins every link at {@code pinDir/<program>} (a bpffs directory, created by
     * libbpf if missing), so the programs stay attached if this process dies: the command then
     * stays guarded until its cgroup is killed. A link that cannot be pinned fails the attach.
     *
     * @param pinDir where to pin, or null for links that end with this process
     */
    public static EgressGuard attach(Options o, Path pinDir) {
        RefusePorts refuse = o.outageStyle() == OutageStyle.REFUSE ? RefusePorts.bind() : null;
        BpfObject object = BpfObject.open(KernelObjects.session(), "cordon");
        StartupTrace.mark("bpf opened");
        EgressGuard guard = null;
        try {
            configure(object, o.reportAll(), o.outageStyle());
            object.setConstant("proxy_port", u16(o.proxyPort()));
            object.setConstant("allow_raw", new byte[] {(byte) (o.allowRawSockets() ? 1 : 0)});
            object.setConstant("outage_wait_ms", u32((int) o.outageWaitMs()));
            object.setConstant("egress_rate", u64(o.egressRate()));
            object.setConstant("egress_burst", u64(o.egressRate() == 0 ? 0 : egressBurst(o.egressRate())));
            object.setConstant("egress_debt", u64(o.egressRate() == 0 ? 0 : egressDebt(o.egressRate())));
            if (refuse != null) {
                object.setConstant("refuse_port4", u16(refuse.port4()));
                object.setConstant("refuse_port6", u16(refuse.port6()));
            }
            object.load();
            StartupTrace.mark("bpf loaded");
            guard = new EgressGuard(object, refuse);
            guard.fill(o);
            StartupTrace.mark("bpf filled");
            // The tracepoints first, so the command's first exec is already captured.
            for (String p : TRACE_PROGRAMS) guard.add(p, () -> object.program(p).attach(), pinDir);
            for (String p : cgroupPrograms(o.outageStyle())) guard.add(p, () -> object.program(p).attachCgroup(o.cgroupFd()), pinDir);
            return guard;
        } catch (RuntimeException e) {
            if (guard != null) guard.close();
            else {
                object.close();
                if (refuse != null) refuse.close();
            }
            throw e;
        }
    }

    /** The cgroup programs a session with this outage style (null: none) attaches. */
    public static List<String> cgroupPrograms(OutageStyle outageStyle) {
        if (outageStyle == null) return CGROUP_PROGRAMS;
        List<String> all = new ArrayList<>(CGROUP_PROGRAMS);
        all.addAll(OUTAGE_PROGRAMS);
        return List.copyOf(all);
    }

    /** What decides which code the verifier sees: report_all and outage_style prune branches; outage programs load only with an outage. */
    private static void configure(BpfObject object, boolean reportAll, OutageStyle outageStyle) {
        object.setConstant("report_all", new byte[] {(byte) (reportAll ? 1 : 0)});
        object.setConstant("outage_style", new byte[] {(byte) outageStyle(outageStyle)});
        for (String p : OUTAGE_PROGRAMS) object.setAutoload(p, outageStyle != null);
    }

    /**
     * Loads the object as a session with these settings would, then unloads it: the verifier's
     * verdict on this kernel ({@code cordon doctor}). Nothing is attached.
     *
     * @return the number of programs loaded
     */
    public static int smokeLoad(boolean reportAll, OutageStyle outageStyle) {
        try (BpfObject object = BpfObject.open(KernelObjects.session(), "cordon")) {
            configure(object, reportAll, outageStyle);
            object.load();
            return TRACE_PROGRAMS.size() + cgroupPrograms(outageStyle).size();
        }
    }

    /**
     * Fault injection for tests in this package only: called before each attach ("attach NAME")
     * and pin ("pin NAME"); throwing there fails that step. Not reachable by users.
     */
    static volatile java.util.function.Consumer<String> beforeStep = step -> {};

    private void add(String program, java.util.function.Supplier<BpfLink> attach, Path pinDir) {
        beforeStep.accept("attach " + program);
        BpfLink link = attach.get();
        links.add(link);
        if (pinDir == null) return;
        beforeStep.accept("pin " + program);
        link.pin(pinDir.resolve(program).toString());
        pinned.add(link);
    }

    private void fill(Options o) {
        writeGeneration(0, o.policy(), o.mode());
        generationMap.put(0, 0);
        object.map("session_cgroup").typed(Codecs.U32, Codecs.U32).put(0, o.cgroupFd());
        TypedMap<Codecs.DnsServer, Byte> servers = object.map("dns_servers").typed(Codecs.DNS_SERVER, Codecs.U8);
        for (InetSocketAddress s : o.dnsServers()) {
            byte[] a = s.getAddress().getAddress();
            int family = a.length == 4 ? AF_INET : AF_INET6;
            servers.put(new Codecs.DnsServer(a, Short.toUnsignedInt(Short.reverseBytes((short) s.getPort())), family), (byte) 1);
            if (Cidr.isV4Mapped(a)) {
                byte[] unmapped = Cidr.unmapped(a);
                servers.put(new Codecs.DnsServer(unmapped, Short.toUnsignedInt(Short.reverseBytes((short) s.getPort())), AF_INET), (byte) 1);
            }
        }
        learnedV4 = object.map("learned_v4").typed(Codecs.ip(4), Codecs.LEARNED);
        learnedV6 = object.map("learned_v6").typed(Codecs.ip(16), Codecs.LEARNED);
        dnsQueries = object.map("dns_queries").typed(Codecs.QUERY_KEY, Codecs.OWNER);
    }

    private TypedMap<byte[], Codecs.Learned> learnedV4;
    private TypedMap<byte[], Codecs.Learned> learnedV6;
    private TypedMap<Codecs.QueryKey, Codecs.Owner> dnsQueries;
    private static final int AF_INET = 2, AF_INET6 = 10;

    /**
     * Records an address learned from a DNS answer. Times are CLOCK_MONOTONIC ns (System.nanoTime);
     * 0 means "not learned that way". Mapped v6 addresses are stored as IPv4, as the hooks judge them.
     */
    public void learn(byte[] ip, long allowUntilNs, long denyUntilNs, long outageUntilNs) {
        byte[] a = Cidr.unmapped(ip);
        (a.length == 4 ? learnedV4 : learnedV6).put(a, new Codecs.Learned(allowUntilNs, denyUntilNs, outageUntilNs));
    }

    public void forget(byte[] ip) {
        byte[] a = Cidr.unmapped(ip);
        (a.length == 4 ? learnedV4 : learnedV6).remove(a);
    }

    /** Who sent the query with this client source port and transaction id (proto: Abi.DNS_UDP/DNS_TCP; TCP uses txid 0). */
    public java.util.Optional<QueryOwner> queryOwner(int sourcePort, int txid, int proto) {
        return dnsQueries.get(new Codecs.QueryKey(sourcePort, proto == Abi.DNS_TCP ? 0 : txid, proto))
                .map(o -> new QueryOwner(o.tgid(), o.pid(), o.tsNs(), o.cgroupId(), o.comm()));
    }


    private static int outageStyle(OutageStyle s) {
        if (s == null) return Abi.OUTAGE_NONE;
        return switch (s) {
            case TIMEOUT -> Abi.OUTAGE_TIMEOUT;
            case SERVFAIL -> Abi.OUTAGE_SERVFAIL;
            case REFUSE -> Abi.OUTAGE_REFUSE;
        };
    }

    private static byte[] u32(int v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder());
        b.putInt(v);
        return b.array();
    }

    private static byte[] u64(long v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder());
        b.putLong(v);
        return b.array();
    }

    private static byte[] u16(int v) {
        // const volatile __u16 in .rodata, native (little-endian) order
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2).order(java.nio.ByteOrder.nativeOrder());
        b.putShort((short) v);
        return b.array();
    }

    /** Fills one generation of the policy: its tries (emptied first) and its config entry. */
    private void writeGeneration(int gen, IpPolicy policy, Mode mode) {
        TypedMap<Cidr, Codecs.RuleValue> v4 = object.map("rules_v4_" + gen).typed(Codecs.LPM_V4, Codecs.RULE);
        TypedMap<Cidr, Codecs.RuleValue> v6 = object.map("rules_v6_" + gen).typed(Codecs.LPM_V6, Codecs.RULE);
        for (Cidr c : v4.keys()) v4.remove(c);
        for (Cidr c : v6.keys()) v6.remove(c);
        for (IpPolicy.Entry e : policy.entries()) (e.prefix().isV4() ? v4 : v6).put(e.prefix(), ruleValue(policy, e, gen));
        config.put(gen, new Codecs.Config(mode == Mode.AUDIT ? Abi.MODE_AUDIT : Abi.MODE_ENFORCE, action(policy.defaultAction())));
        policies[gen] = policy;
        modes[gen] = mode;
    }

    /**
     * Puts a new policy (and mode) in force with no moment where neither applies: the generation not
     * in force is filled, then one 32-bit write flips the programs to it. Every decision reads the
     * generation once, so it is judged wholly by the old policy or wholly by the new one.
     */
    public synchronized void reload(IpPolicy policy, Mode mode) {
        int next = (generation + 1) % Abi.POLICY_GENERATIONS;
        writeGeneration(next, policy, mode);
        generationMap.put(0, next);
        generation = next;
    }

    /** The policy in force. */
    public IpPolicy policy() {
        return policies[generation];
    }

    public Mode mode() {
        return modes[generation];
    }

    /** The rule a kernel rule id (generation and index, bpf/cordon.h) names, if it names one. */
    public java.util.Optional<dev.cordon.policy.IpRule> rule(int kernelRuleId) {
        int gen = kernelRuleId >>> Abi.RULE_GENERATION_SHIFT;
        if (gen >= Abi.POLICY_GENERATIONS) return java.util.Optional.empty(); // a special id (cordon_rule_special)
        IpPolicy p = policies[gen];
        return p == null ? java.util.Optional.empty() : p.rule(kernelRuleId & ((1 << Abi.RULE_GENERATION_SHIFT) - 1));
    }

    public BpfMap events() {
        return object.map("events");
    }

    /** A map of the session's object that another object of the session reuses (ScriptLines: ring buffer, cgroup, drop counter). */
    BpfMap sharedMap(String name) {
        return object.map(name);
    }

    /** Events the kernel could not queue because the ring buffer was full. */
    public long droppedEvents() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(JAVA_INT);
            return object.map("dropped_events").sumPerCpuLong(key);
        }
    }

    /** Names of the programs currently attached, in attach order. */
    public List<String> attachedPrograms() {
        return links.stream().map(BpfLink::programName).toList();
    }

    /** A trie entry as the kernel reads it; NO_RULE becomes CORDON_ACTION_NONE (fall through). */
    static Codecs.RuleValue ruleValue(IpPolicy policy, IpPolicy.Entry e, int gen) {
        List<Codecs.PortRangeValue> ranges = new ArrayList<>();
        for (IpPolicy.Segment s : e.ranges()) {
            ranges.add(new Codecs.PortRangeValue(s.lo(), s.hi(), action(policy, s.ruleId()), ruleId(s.ruleId(), gen)));
        }
        return new Codecs.RuleValue(action(policy, e.otherRuleId()), ruleId(e.otherRuleId(), gen), ranges);
    }

    private static int action(IpPolicy policy, int ruleId) {
        return policy.rule(ruleId).map(r -> action(r.action())).orElse(Abi.ACTION_NONE);
    }

    /** A rule's index with its generation at RULE_GENERATION_SHIFT; "no rule" is the special default id. */
    static int ruleId(int id, int gen) {
        if (id == IpPolicy.NO_RULE) return Abi.RULE_DEFAULT;
        if (id >>> Abi.RULE_GENERATION_SHIFT != 0) throw new IllegalArgumentException("more rules than a rule id can index: " + id);
        return id | gen << Abi.RULE_GENERATION_SHIFT;
    }

    private static int action(Action a) {
        return a == Action.DENY ? Abi.ACTION_DENY : Abi.ACTION_ALLOW;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (int i = links.size() - 1; i >= 0; i--) {
            try {
                // Unpin first: the pin would keep the program attached after the link is destroyed.
                if (pinned.remove(links.get(i))) links.get(i).unpin();
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
            try {
                links.get(i).close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        links.clear();
        object.close();
        if (refuse != null) refuse.close(); // only once nothing sends connects there any more
        if (first != null) throw first;
    }
}
