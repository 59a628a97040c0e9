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
    private final ProcessTable processes = new ProcessTable(65_536);
    private final IpPolicy policy;
    private final Mode mode;
    private final long wallMinusMonotonicNs;
    private final Thread thread;
    private final AtomicLong undecodable = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();
    private volatile boolean stopping;

    EventPump(BpfMap events, List<EventSink> sinks, IpPolicy policy, Mode mode) {
        this.sinks = sinks;
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
        while (!stopping) ring.poll(Duration.ofMillis(100));
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
                NetAttempt a = new NetAttempt(time, n, processes.lookup(n.process()), ruleLabel(n.ruleId()), mode);
                for (EventSink s : sinks) s.attempt(a);
            }
        }
    }

    private String ruleLabel(int ruleId) {
        if (ruleId == Abi.RULE_DEFAULT) return "default:" + policy.defaultAction().label();
        return policy.rule(ruleId).map(IpRule::label).orElse("rule#" + ruleId);
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
