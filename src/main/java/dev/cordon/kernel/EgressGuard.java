package dev.cordon.kernel;

import dev.cordon.libbpf.BpfException;
import dev.cordon.libbpf.BpfLink;
import dev.cordon.libbpf.BpfMap;
import dev.cordon.libbpf.BpfObject;
import dev.cordon.libbpf.BpfProgram;
import dev.cordon.libbpf.TypedMap;
import dev.cordon.policy.Action;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.DomainRule;
import dev.cordon.policy.DomainSuffixTable;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.IpRule;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import dev.cordon.policy.OutageStyle;
import dev.cordon.policy.PolicyException;
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
     * The first-bytes check (bpf/first_bytes.bpf.h), loaded only when the session judges names:
     * sock_ops on the cgroup puts each established TCP connection into a sockhash, whose sk_msg
     * program judges the name in its first message.
     */
    public static final List<String> FIRST_BYTES_CGROUP_PROGRAMS = List.of("cordon_sockops");
    /** Attached to the sockhash, not the cgroup: it lives as long as the map (kept by the pinned sock_ops link). */
    public static final String FIRST_BYTES_MAP_PROGRAM = "cordon_sk_msg";
    static final String FIRST_BYTES_SOCKETS = "first_bytes_sockets";

    /**
     * What names in the first bytes of the session's TCP connections are judged by: the domain
     * policy the DNS proxy uses and the names rehearsed as down.
     */
    public record NameCheck(DomainPolicy policy, OutagePlan outage) {}

    /**
     * @param cgroupFd   an open fd of the session's cgroup directory (kept open by the caller)
     * @param reportAll  emit an event for every attempt, not only violations (for --events)
     * @param proxyPort  cordon's DNS proxy port on 127.0.0.1 and ::1; 0 turns DNS redirection off
     * @param dnsServers servers the command must not reach directly whatever their port (the upstreams)
     * @param allowRawSockets let raw inet sockets be created in enforce mode (a hole, reported)
     * @param outageStyle how addresses learned as down behave, or null when nothing is rehearsed as down
     * @param outageWaitMs cap on a TCP connect to such an address (TCP_USER_TIMEOUT)
     * @param egressRate the session's outbound bytes per second (--egress-rate), 0 for no cap
     * @param names      what names in first bytes are judged by, or null for no first-bytes check
     */
    public record Options(int cgroupFd, IpPolicy policy, Mode mode, boolean reportAll, int proxyPort,
                          List<InetSocketAddress> dnsServers, boolean allowRawSockets, OutageStyle outageStyle,
                          long outageWaitMs, long egressRate, NameCheck names) {
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
    /** The name table of each generation, when the first bytes are checked: to name the rule a name event carries. */
    /** Each generation's domain policy as its name table holds it (null: no first-bytes check); the table itself is not kept. */
    private final DomainPolicy[] names = new DomainPolicy[Abi.POLICY_GENERATIONS];
    private final OutagePlan outage; // what the name table says is down; fixed for the session
    private final String firstBytesUnavailable; // why this kernel could not load the check, or null
    private volatile int generation;
    private final TypedMap<Integer, Integer> generationMap;
    private final TypedMap<Integer, Long> verdictEpochMap;
    private long verdictEpoch; // guarded by this
    private final RefusePorts refuse; // null unless the outage style is refuse

    private EgressGuard(BpfObject object, RefusePorts refuse, OutagePlan outage, String firstBytesUnavailable) {
        this.object = object;
        this.refuse = refuse;
        this.outage = outage;
        this.firstBytesUnavailable = firstBytesUnavailable;
        this.generationMap = object.map("policy_generation").typed(Codecs.U32, Codecs.U32);
        this.verdictEpochMap = object.map("verdict_epoch").typed(Codecs.U32, Codecs.U64);
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
        BpfObject object = null;
        EgressGuard guard = null;
        try {
            String unavailable = null;
            boolean firstBytes = o.names() != null;
            try {
                object = load(o, refuse, firstBytes);
            } catch (BpfException e) {
                if (!firstBytes) throw e;
                // A kernel without the first-bytes check's program types or helpers (bpf_loop: 5.17):
                // run without it if everything else loads; the caller says so, loudly.
                object = load(o, refuse, false);
                unavailable = e.getMessage();
                firstBytes = false;
            }
            guard = new EgressGuard(object, refuse, o.names() == null ? OutagePlan.NONE : o.names().outage(), unavailable);
            guard.fill(o, firstBytes);
            StartupTrace.mark("bpf filled");
            BpfObject loaded = object;
            // The tracepoints first, so the command's first exec is already captured.
            for (String p : TRACE_PROGRAMS) guard.add(p, () -> loaded.program(p).attach(), pinDir);
            if (firstBytes) guard.attachFirstBytes(pinDir); // before sock_ops fills the sockhash
            for (String p : cgroupPrograms(o.outageStyle(), firstBytes)) {
                guard.add(p, () -> loaded.program(p).attachCgroup(o.cgroupFd()), pinDir);
            }
            return guard;
        } catch (RuntimeException e) {
            if (guard != null) guard.close();
            else {
                if (object != null) object.close();
                if (refuse != null) refuse.close();
            }
            throw e;
        }
    }

    /** Opens the object, sets what decides its code and loads it. */
    private static BpfObject load(Options o, RefusePorts refuse, boolean firstBytes) {
        BpfObject object = BpfObject.open(KernelObjects.session(), "cordon");
        StartupTrace.mark("bpf opened");
        try {
            configure(object, o.reportAll(), o.outageStyle(), firstBytes);
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
            return object;
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    /**
     * Why this kernel could not load the first-bytes check (the session runs without it), or empty
     * when it runs, or was not asked for.
     */
    public java.util.Optional<String> firstBytesUnavailable() {
        return java.util.Optional.ofNullable(firstBytesUnavailable);
    }

    /** Whether names in first bytes are judged in this session. */
    public boolean checksFirstBytes() {
        return names[generation] != null;
    }

    /** The cgroup programs a session with this outage style (null: none) attaches, and with the first-bytes check or not. */
    public static List<String> cgroupPrograms(OutageStyle outageStyle, boolean firstBytes) {
        List<String> all = new ArrayList<>(CGROUP_PROGRAMS);
        if (outageStyle != null) all.addAll(OUTAGE_PROGRAMS);
        if (firstBytes) all.addAll(FIRST_BYTES_CGROUP_PROGRAMS);
        return List.copyOf(all);
    }

    /**
     * What decides which code the verifier sees: report_all, outage_style and first_bytes prune
     * branches; outage and first-bytes programs load only when the session needs them.
     */
    private static void configure(BpfObject object, boolean reportAll, OutageStyle outageStyle, boolean firstBytes) {
        object.setConstant("report_all", new byte[] {(byte) (reportAll ? 1 : 0)});
        object.setConstant("outage_style", new byte[] {(byte) outageStyle(outageStyle)});
        object.setConstant("first_bytes", new byte[] {(byte) (firstBytes ? 1 : 0)});
        for (String p : OUTAGE_PROGRAMS) object.setAutoload(p, outageStyle != null);
        for (String p : FIRST_BYTES_CGROUP_PROGRAMS) object.setAutoload(p, firstBytes);
        object.setAutoload(FIRST_BYTES_MAP_PROGRAM, firstBytes);
    }

    /**
     * Loads the object as a session with these settings would, then unloads it: the verifier's
     * verdict on this kernel ({@code cordon doctor}). Nothing is attached.
     *
     * @return the number of programs loaded
     */
    public static int smokeLoad(boolean reportAll, OutageStyle outageStyle, boolean firstBytes) {
        try (BpfObject object = BpfObject.open(KernelObjects.session(), "cordon")) {
            configure(object, reportAll, outageStyle, firstBytes);
            object.load();
            return TRACE_PROGRAMS.size() + cgroupPrograms(outageStyle, firstBytes).size() + (firstBytes ? 1 : 0);
        }
    }

    /**
     * Fault injection for tests in this package only: called before each attach ("attach NAME")
     * and pin ("pin NAME"); throwing there fails that step. Not reachable by users.
     */
    static volatile java.util.function.Consumer<String> beforeStep = step -> {};

    /**
     * The sk_msg program onto the sockhash, before sock_ops adds sockets to it (a socket added earlier
     * would keep no sk_msg program). This is no link: the sockhash holds the program, and lets go of
     * it when the map's last user reference goes, which a program using the map (sock_ops) is not.
     * So the map is pinned beside the links: if cordon dies, the check stays with the pinned sock_ops.
     */
    private void attachFirstBytes(Path pinDir) {
        BpfMap sockets = object.map(FIRST_BYTES_SOCKETS);
        beforeStep.accept("attach " + FIRST_BYTES_MAP_PROGRAM);
        object.program(FIRST_BYTES_MAP_PROGRAM).attachToMap(sockets, BpfProgram.MapAttach.SK_MSG_VERDICT);
        if (pinDir == null) return;
        beforeStep.accept("pin " + FIRST_BYTES_SOCKETS);
        Path pin = pinDir.resolve(FIRST_BYTES_SOCKETS);
        sockets.pin(pin.toString());
        pinnedMap = pin;
    }

    private Path pinnedMap; // the sockhash's pin, removed at close

    private void add(String program, java.util.function.Supplier<BpfLink> attach, Path pinDir) {
        beforeStep.accept("attach " + program);
        BpfLink link = attach.get();
        links.add(link);
        if (pinDir == null) return;
        beforeStep.accept("pin " + program);
        link.pin(pinDir.resolve(program).toString());
        pinned.add(link);
    }

    private void fill(Options o, boolean firstBytes) {
        writeGeneration(0, o.policy(), firstBytes ? o.names().policy() : null, o.mode());
        generationMap.put(0, 0);
        verdictsChanged();
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
        verdictsChanged();
    }

    public void forget(byte[] ip) {
        byte[] a = Cidr.unmapped(ip);
        (a.length == 4 ? learnedV4 : learnedV6).remove(a);
        verdictsChanged();
    }

    /**
     * Tells the programs that a judgement may have changed (called after the change): every verdict
     * they cached before (the sendmsg hooks' per-socket one) is judged again. Under the lock so the
     * epoch only grows, whichever thread learns.
     */
    private synchronized void verdictsChanged() {
        verdictEpochMap.put(0, ++verdictEpoch);
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
    private void writeGeneration(int gen, IpPolicy policy, DomainPolicy domains, Mode mode) {
        TypedMap<Cidr, Codecs.RuleValue> v4 = object.map("rules_v4_" + gen).typed(Codecs.LPM_V4, Codecs.RULE);
        TypedMap<Cidr, Codecs.RuleValue> v6 = object.map("rules_v6_" + gen).typed(Codecs.LPM_V6, Codecs.RULE);
        for (Cidr c : v4.keys()) v4.remove(c);
        for (Cidr c : v6.keys()) v6.remove(c);
        List<Cidr> keys4 = new ArrayList<>(), keys6 = new ArrayList<>();
        List<Codecs.RuleValue> values4 = new ArrayList<>(), values6 = new ArrayList<>();
        for (IpPolicy.Entry e : policy.entries()) {
            (e.prefix().isV4() ? keys4 : keys6).add(e.prefix());
            (e.prefix().isV4() ? values4 : values6).add(ruleValue(policy, e, gen));
        }
        putRules(v4, keys4, values4);
        putRules(v6, keys6, values6);
        if (domains != null) writeNames(gen, domains);
        names[gen] = domains;
        config.put(gen, new Codecs.Config(mode == Mode.AUDIT ? Abi.MODE_AUDIT : Abi.MODE_ENFORCE, action(policy.defaultAction())));
        policies[gen] = policy;
        modes[gen] = mode;
    }

    /** Prefixes per BPF_MAP_UPDATE_BATCH call when filling a trie (about 100 KB of keys and values). */
    private static final int RULE_BATCH = 1024;

    /**
     * Fills a trie in batches (100k prefixes: one syscall per thousand, not one each; the kernel
     * inserts them one by one either way), or one by one where the kernel has no batch update for
     * tries: a put replaces, so whatever a failed batch wrote is simply written again.
     */
    private static void putRules(TypedMap<Cidr, Codecs.RuleValue> trie, List<Cidr> keys, List<Codecs.RuleValue> values) {
        try {
            trie.putAll(keys, values, RULE_BATCH);
        } catch (RuntimeException e) {
            for (int i = 0; i < keys.size(); i++) trie.put(keys.get(i), values.get(i));
        }
    }

    /** Entries per BPF_MAP_UPDATE_BATCH call when filling a name table (about 300 KB of keys and values). */
    private static final int NAME_BATCH = 1024;

    /**
     * One generation's name table: an entry per pattern suffix, with what DomainPolicy says about
     * the suffix and the names below it (DomainSuffixTable), put in batches (100k rules: one syscall
     * per thousand, not one each) on every CPU, as the table is worked out. Refused before anything
     * is written when it cannot fit.
     */
    private void writeNames(int gen, DomainPolicy domains) {
        DomainSuffixTable table = new DomainSuffixTable(domains, outage);
        if (table.entries().size() > Abi.NAME_SUFFIXES_MAX) {
            throw new PolicyException(table.entries().size() + " domain suffixes; the kernel's name table holds at most "
                    + Abi.NAME_SUFFIXES_MAX);
        }
        TypedMap<String, Codecs.NameRuleValue> map = object.map("names_" + gen).typed(Codecs.NAME_KEY, Codecs.NAME_RULE);
        if (names[gen] != null || policies[gen] != null) clearNames(map, names[gen]); // a reload's: empty it first
        List<String> keys = table.entries().stream().map(DomainSuffixTable.Entry::suffix).toList();
        List<Codecs.NameRuleValue> values = table.entries().parallelStream().map(e -> nameRuleValue(table, e, gen)).toList();
        map.putAllConcurrently(keys, values, NAME_BATCH);
    }

    /**
     * Empties a generation's name table before a reload fills it: the keys it was filled with, in
     * batches; key by key (slower: two calls each) if that fails or the keys are not known.
     */
    private void clearNames(TypedMap<String, Codecs.NameRuleValue> map, DomainPolicy written) {
        if (written != null) {
            try {
                map.removeAll(List.copyOf(DomainSuffixTable.suffixes(written, outage)), NAME_BATCH);
                return;
            } catch (RuntimeException e) {
                // fall through: whatever is left goes one by one
            }
        }
        for (String k : map.keys()) map.remove(k);
    }

    static Codecs.NameRuleValue nameRuleValue(DomainSuffixTable table, DomainSuffixTable.Entry e, int gen) {
        return new Codecs.NameRuleValue(e.suffix().length() + 1,
                nameAction(e.self()), nameRuleId(table, e.self(), gen), nameAction(e.below()), nameRuleId(table, e.below(), gen),
                e.selfOutage() < 0 ? Abi.RULE_DEFAULT : ruleId(e.selfOutage(), gen),
                e.belowOutage() < 0 ? Abi.RULE_DEFAULT : ruleId(e.belowOutage(), gen));
    }

    private static int nameAction(DomainPolicy.Decision d) {
        return d.rule().isEmpty() ? Abi.ACTION_NONE : action(d.action());
    }

    private static int nameRuleId(DomainSuffixTable table, DomainPolicy.Decision d, int gen) {
        return d.rule().map(r -> ruleId(table.ruleId(r), gen)).orElse(Abi.RULE_DEFAULT);
    }

    /**
     * Puts a new policy (and mode) in force with no moment where neither applies: the generation not
     * in force is filled (address tries, name table, config), then one 32-bit write flips the programs
     * to it. Every decision reads the generation once, so it is judged wholly by the old policy or
     * wholly by the new one.
     *
     * @param domains the new domain policy, or null to keep the one in force (used only with the first-bytes check)
     */
    public synchronized void reload(IpPolicy policy, DomainPolicy domains, Mode mode) {
        int next = (generation + 1) % Abi.POLICY_GENERATIONS;
        DomainPolicy current = names[generation];
        writeGeneration(next, policy, current == null ? null : domains == null ? current : domains, mode);
        generationMap.put(0, next);
        generation = next;
        verdictsChanged();
    }

    /** The policy in force. */
    public IpPolicy policy() {
        return policies[generation];
    }

    public Mode mode() {
        return modes[generation];
    }

    /** The domain rule a name event's rule id (generation and index) names, if it names one. */
    public java.util.Optional<DomainRule> nameRule(int kernelRuleId) {
        int gen = kernelRuleId >>> Abi.RULE_GENERATION_SHIFT;
        if (gen >= Abi.POLICY_GENERATIONS || names[gen] == null) return java.util.Optional.empty();
        List<DomainRule> rules = names[gen].rules();
        int i = kernelRuleId & ((1 << Abi.RULE_GENERATION_SHIFT) - 1);
        return i < rules.size() ? java.util.Optional.of(rules.get(i)) : java.util.Optional.empty();
    }

    /** The --simulate-outage pattern an outage name event's rule id names, if it names one. */
    public java.util.Optional<DomainPattern> outagePattern(int kernelRuleId) {
        int gen = kernelRuleId >>> Abi.RULE_GENERATION_SHIFT;
        int i = kernelRuleId & ((1 << Abi.RULE_GENERATION_SHIFT) - 1);
        if (gen >= Abi.POLICY_GENERATIONS || i >= outage.domains().size()) return java.util.Optional.empty();
        return java.util.Optional.of(outage.domains().get(i));
    }

    /** The domain policy the first bytes are judged by now, if they are. */
    public java.util.Optional<DomainPolicy> domainPolicy() {
        return java.util.Optional.ofNullable(names[generation]);
    }

    /** The rule a kernel rule id (generation and index, bpf/cordon.h) names, if it names one. */
    public java.util.Optional<IpRule> rule(int kernelRuleId) {
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
        if (pinnedMap != null) { // after the links: with sock_ops gone nothing adds sockets to it any more
            try {
                java.nio.file.Files.deleteIfExists(pinnedMap);
            } catch (IOException e) {
                if (first == null) first = new UncheckedIOException("unpin " + pinnedMap, e);
            }
            pinnedMap = null;
        }
        object.close();
        if (refuse != null) refuse.close(); // only once nothing sends connects there any more
        if (first != null) throw first;
    }
}
