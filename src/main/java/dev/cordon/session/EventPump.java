package dev.cordon.session;

import dev.cordon.events.EventSink;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.KernelEvent;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.NetEvent;
import dev.cordon.events.ProcessTable;
import dev.cordon.kernel.Abi;
import dev.cordon.kernel.EventDecoder;
import dev.cordon.libbpf.BpfMap;
import dev.cordon.libbpf.RingBuffer;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.IpRule;
import dev.cordon.policy.Mode;

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
    private final IpPolicy policy;
    private final Mode mode;
    private final long wallMinusMonotonicNs;
    private final Thread thread;
    private final AtomicLong undecodable = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();
    private volatile boolean stopping;
    private static final Duration POLL = Duration.ofMillis(20);

    /** Names an address was learned from (DNS), to name the domain behind a connect. */
    record LearnedNames(List<String> allowed, List<String> denied) {
        static final LearnedNames NONE = new LearnedNames(List.of(), List.of());
    }

    EventPump(BpfMap events, List<EventSink> sinks, IpPolicy policy, Mode mode, ProcessTable processes,
              java.util.function.Function<byte[], LearnedNames> names) {
        this.sinks = sinks;
        this.processes = processes;
        this.names = names;
        this.policy = policy;
        this.mode = mode;
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
                for (EventSink s : sinks) s.exec(time, x);
            }
            case NetEvent n -> {
                if (n.verdict().violation()) violations.incrementAndGet();
                LearnedNames learned = names.apply(n.address());
                String domain = domain(n, learned);
                NetAttempt a = new NetAttempt(time, n, processes.lookup(n.process()), ruleLabel(n, learned), mode, domain);
                for (EventSink s : sinks) s.attempt(a);
            }
        }
    }

    private String ruleLabel(NetEvent n, LearnedNames learned) {
        int ruleId = n.ruleId();
        if (ruleId == Abi.RULE_DEFAULT) return "default:" + policy.defaultAction().label();
        if (ruleId == Abi.RULE_RAW_SOCKET) return "raw-socket";
        if (ruleId == Abi.RULE_LEARNED) return n.verdict().violation() ? "dns:blocked-name" : "dns:allowed-name";
        return policy.rule(ruleId).map(IpRule::label).orElse("rule#" + ruleId);
    }

    /** The names behind an address, blocked ones first; both kinds when a shared address serves both. */
    private static String domain(NetEvent n, LearnedNames learned) {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        if (n.verdict().violation()) {
            all.addAll(learned.denied());
            all.addAll(learned.allowed());
        } else {
            all.addAll(learned.allowed());
            all.addAll(learned.denied());
        }
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

    /** Stops the thread after the records already queued are handled. */
    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            ring.consume(); // whatever arrived between the last poll and now
            ring.close();
        }
        ring.firstFailure().ifPresent(t -> {
            throw new CordonException("event handling failed: " + t, t);
        });
    }
}
