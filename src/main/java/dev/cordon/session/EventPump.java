package dev.cordon.session;

import dev.cordon.events.EventSink;
import dev.cordon.events.ExecDeniedEvent;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.ExitEvent;
import dev.cordon.events.Hook;
import dev.cordon.events.OutageEndEvent;
import dev.cordon.events.OutageWait;
import dev.cordon.events.Verdict;
import dev.cordon.events.KernelEvent;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.NetEvent;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.ScriptLineEvent;
import dev.cordon.kernel.Abi;
import dev.cordon.kernel.EgressGuard;
import dev.cordon.kernel.EventDecoder;
import dev.cordon.libbpf.BpfMap;
import dev.cordon.libbpf.RingBuffer;
import dev.cordon.policy.Action;
import dev.cordon.policy.DomainName;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.EncryptedDns;
import dev.cordon.policy.IpRule;
import dev.cordon.policy.Reasons;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Consumes the session's ring buffer on one platform thread (the callback is an FFM upcall),
 * attributes each attempt to a command line and hands it to the sinks. The kernel never waits
 * for us: a full buffer drops records there and counts them.
 */
final class EventPump implements AutoCloseable {
    private final RingBuffer ring;
    private final List<EventSink> sinks;
    private final ProcessTable processes;
    private final java.util.function.Function<byte[], LearnedNames> names;
    private final EgressGuard rules;
    private final long wallMinusMonotonicNs;
    private final Thread thread;
    private final AtomicLong undecodable = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();
    private final String outageStyle;
    private final ExecDenials denials;
    private final ScriptShells shells;
    /** Outage attempts still waiting, by socket cookie: reported when the socket is released. */
    private final java.util.Map<Long, java.util.List<NetAttempt>> waiting = new java.util.HashMap<>();
    /** Processes seen exiting, so a socket released after its process died reads "exited", not "closed". */
    private final java.util.Set<Integer> exited = java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Integer, Boolean> eldest) {
            return size() > ProcessTable.SESSION_CAPACITY;
        }
    });
    private volatile boolean stopping;
    private boolean closed;
    private static final Duration POLL = Duration.ofMillis(5);
    /** rule= labels of the first-bytes check that name no rule of the policy. */
    static final String UNREADABLE_RULE = "first-bytes:unreadable", UNWATCHED_RULE = "first-bytes:unwatched",
            TCP_FASTOPEN_RULE = "tcp-fastopen", CIDR_ALLOWED_RULE = "cidr:allowed-address";

    /** Names an address was learned from (DNS), to name the domain behind a connect. */
    record LearnedNames(List<String> allowed, List<String> denied, List<String> outage) {
        static final LearnedNames NONE = new LearnedNames(List.of(), List.of(), List.of());
    }

    /**
     * @param rules       the guard whose policy generations name an event's rule (it changes on reload)
     * @param outageStyle the --outage-style label for outage records, or null when nothing is rehearsed
     * @param denials     what explains an exec refused with EPERM
     * @param shells      looks at the shell binaries the session execs, for script lines
     */
    EventPump(BpfMap events, List<EventSink> sinks, EgressGuard rules, ProcessTable processes,
              java.util.function.Function<byte[], LearnedNames> names, String outageStyle, ExecDenials denials,
              ScriptShells shells) {
        this.outageStyle = outageStyle;
        this.denials = denials;
        this.shells = shells;
        this.sinks = sinks;
        this.processes = processes;
        this.names = names;
        this.rules = rules;
        // bpf_ktime_get_ns and System.nanoTime both read CLOCK_MONOTONIC.
        Instant now = Instant.now();
        this.wallMinusMonotonicNs = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
        this.ring = RingBuffer.open(events, this::onRecord);
        this.thread = Thread.ofPlatform().name("cordon-events").daemon(true).unstarted(this::loop);
        thread.start();
    }

    private void loop() {
        while (!stopping) ring.poll(POLL); // short, so close() never waits long for the thread
    }

    private void onRecord(MemorySegment data) {
        KernelEvent e = EventDecoder.decode(data).orElse(null);
        if (e == null) {
            undecodable.incrementAndGet();
            return;
        }
        Instant time = toInstant(e.monotonicNs());
        switch (e) {
            case ExecEvent x -> {
                processes.onExec(x);
                ProcessTable.Attribution who = processes.lookup(x.process());
                for (EventSink s : sinks) s.exec(time, x, who);
                shells.exec(x, who);
            }
            case ScriptLineEvent x -> processes.onScriptLine(x);
            case NetEvent n -> {
                if (n.verdict().violation()) violations.incrementAndGet();
                NetAttempt a = n.hook().firstBytes() ? firstBytes(time, n) : attempt(time, n);
                if (n.verdict() != Verdict.OUTAGE) {
                    deliver(a);
                } else if (n.ruleId() == Abi.RULE_OUTAGE_REFUSED || n.hook().firstBytes()) { // a refused send, as a refused connect
                    deliver(a.withOutage(new OutageWait(outageStyle, 0, OutageWait.REFUSED)));
                } else {
                    waiting.computeIfAbsent(n.cookie(), c -> new java.util.ArrayList<>()).add(a);
                }
            }
            case ExecDeniedEvent x -> {
                var denial = denials.explain(time, x, processes.lookup(x.process(), x.ppid()));
                for (EventSink s : sinks) s.execDenied(denial);
            }
            case ExitEvent x -> {
                exited.add(x.process().pid());
                processes.onExit(x.process().pid());
                String task = processes.task(x.process());
                for (EventSink s : sinks) s.exit(time, x, task);
            }
            case OutageEndEvent end -> {
                List<NetAttempt> done = waiting.remove(end.cookie());
                if (done == null) return;
                for (NetAttempt a : done) {
                    String how = exited.contains(a.event().process().pid()) ? OutageWait.EXITED : OutageWait.CLOSED;
                    long waitedMs = Math.max(0, end.monotonicNs() - a.event().monotonicNs()) / 1_000_000;
                    deliver(a.withOutage(new OutageWait(outageStyle, waitedMs, how)));
                }
            }
        }
    }

    private void deliver(NetAttempt a) {
        for (EventSink s : sinks) s.attempt(a);
    }

    /** A connect, datagram or socket, named by the names its address was learned from. */
    private NetAttempt attempt(Instant time, NetEvent n) {
        LearnedNames learned = names.apply(n.address());
        return new NetAttempt(time, n, processes.lookup(n.process()), ruleLabel(n), rules.mode(), domain(n, learned))
                .withReason(reason(n));
    }

    /** A name judged in a connection's first bytes: the domain is the name it sent. */
    private NetAttempt firstBytes(Instant time, NetEvent n) {
        String name = n.firstBytes().name();
        String reason = n.hook() == Hook.TLS ? Reasons.FROM_TLS_SNI : Reasons.FROM_HTTP_HOST;
        if (rules.nameRule(n.ruleId()).filter(r -> EncryptedDns.isOrigin(r.origin())).isPresent()) reason = Reasons.ENCRYPTED_DNS;
        return new NetAttempt(time, n, processes.lookup(n.process()), nameRuleLabel(n), rules.mode(),
                name.isEmpty() ? null : DomainName.absolute(name)).withReason(reason);
    }

    /** rule= of a connect, datagram or socket. */
    private String ruleLabel(NetEvent n) {
        int ruleId = n.ruleId();
        if (ruleId == Abi.RULE_DEFAULT) return "default:" + rules.policy().defaultAction().label();
        if (ruleId == Abi.RULE_RAW_SOCKET) return "raw-socket";
        if (ruleId == Abi.RULE_PACKET_SOCKET) return "packet-socket";
        if (ruleId == Abi.RULE_OUTAGE_REFUSED || ruleId == Abi.RULE_OUTAGE_DROPPED) return "outage";
        if (ruleId == Abi.RULE_LEARNED) return n.verdict().violation() ? "dns:blocked-name" : "dns:allowed-name";
        if (ruleId == Abi.RULE_TCP_FASTOPEN) return TCP_FASTOPEN_RULE;
        if (ruleId == Abi.RULE_UNWATCHED) return UNWATCHED_RULE;
        return rules.rule(ruleId).map(IpRule::label).orElse("rule#" + ruleId);
    }

    /** rule= of a name judged in first bytes: its domain rule, as a DNS line names it, or why there was none. */
    private String nameRuleLabel(NetEvent n) {
        int ruleId = n.ruleId();
        if (ruleId == Abi.RULE_UNREADABLE) return UNREADABLE_RULE;
        if (n.verdict() == Verdict.OUTAGE) return rules.outagePattern(ruleId).map(p -> "outage:" + p).orElse("outage");
        if (ruleId == Abi.RULE_DEFAULT) {
            Action def = rules.domainPolicy().map(DomainPolicy::defaultAction).orElse(rules.policy().defaultAction());
            // allowed under a deny default: the address was allowed by a CIDR rule or loopback, not by a name
            return n.verdict() == Verdict.ALLOWED && def == Action.DENY ? CIDR_ALLOWED_RULE : "default:" + def.label();
        }
        return rules.nameRule(ruleId).map(r -> r.pattern().toString()).orElse("rule#" + ruleId);
    }

    /** {@code EncryptedDNS} for the built-in encrypted-DNS rules, TCPFastOpen for a refused Fast Open; null for the user's own. */
    private String reason(NetEvent n) {
        if (n.ruleId() == Abi.RULE_TCP_FASTOPEN) return Reasons.TCP_FAST_OPEN;
        return rules.rule(n.ruleId()).filter(r -> EncryptedDns.isOrigin(r.origin())).map(r -> Reasons.ENCRYPTED_DNS).orElse(null);
    }

    /** The names behind an address, blocked ones first; both kinds when a shared address serves both. */
    private static String domain(NetEvent n, LearnedNames learned) {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        if (n.verdict() == Verdict.OUTAGE) all.addAll(learned.outage());
        if (n.verdict().violation()) {
            all.addAll(learned.denied());
            all.addAll(learned.allowed());
        } else {
            all.addAll(learned.allowed());
            all.addAll(learned.denied());
        }
        all.addAll(learned.outage());
        return all.isEmpty() ? null : String.join(",", all);
    }

    private Instant toInstant(long monotonicNs) {
        long wall = wallMinusMonotonicNs + monotonicNs;
        return Instant.ofEpochSecond(Math.floorDiv(wall, 1_000_000_000L), Math.floorMod(wall, 1_000_000_000L));
    }

    long violations() {
        return violations.get();
    }

    long undecodable() {
        return undecodable.get();
    }

    /**
     * Stops the thread after the records already queued are handled; outage attempts still waiting
     * are reported as waiting until now. Idempotent: the session closes it before writing the run's end.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        stopping = true;
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            ring.consume(); // whatever arrived between the last poll and now
            ring.close();
            long now = System.nanoTime();
            for (List<NetAttempt> left : waiting.values()) {
                for (NetAttempt a : left) {
                    long waitedMs = Math.max(0, now - a.event().monotonicNs()) / 1_000_000;
                    deliver(a.withOutage(new OutageWait(outageStyle, waitedMs, OutageWait.SESSION_END)));
                }
            }
            waiting.clear();
        }
        ring.firstFailure().ifPresent(t -> {
            throw new CordonException("event handling failed: " + t, t);
        });
    }
}
