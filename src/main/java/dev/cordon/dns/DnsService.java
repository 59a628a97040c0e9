package dev.cordon.dns;

import dev.cordon.events.EventSink;
import dev.cordon.events.ProcessTable;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything DNS for one session: the proxy, the learned addresses, and their upkeep (expired
 * names swept every second; blocked names resolved again before they expire).
 *
 * <p>Two steps because of a dependency loop: the kernel programs need the proxy's port as a
 * load-time constant, and the proxy needs the loaded maps. {@link #start} binds the sockets;
 * {@link #attachKernel} connects the maps and prefetches blocked names, before the command runs.
 */
public final class DnsService implements AutoCloseable {
    /**
     * @param firstBytes the kernel also judges the names in TCP connections' first bytes (TLS SNI,
     *                   HTTP Host) by this policy; false with --no-first-bytes. The proxy itself does not read it.
     */
    public record Options(DomainPolicy policy, Mode mode, BlockedResponse blockedResponse,
                          List<InetSocketAddress> upstreams, Duration upstreamTimeout, LearnedAddresses.Ttl ttl,
                          int maxLearned, DnsProxy.Options proxy, OutagePlan outage, boolean blockPrivateAnswers,
                          boolean firstBytes) {
        public Options {
            upstreams = List.copyOf(upstreams);
        }

        public Options(DomainPolicy policy, Mode mode, BlockedResponse blockedResponse,
                       List<InetSocketAddress> upstreams, Duration upstreamTimeout, LearnedAddresses.Ttl ttl,
                       int maxLearned, DnsProxy.Options proxy, OutagePlan outage, boolean blockPrivateAnswers) {
            this(policy, mode, blockedResponse, upstreams, upstreamTimeout, ttl, maxLearned, proxy, outage, blockPrivateAnswers, true);
        }

        /** The same options forwarding to {@code servers} instead. */
        public Options withUpstreams(List<InetSocketAddress> servers) {
            return new Options(policy, mode, blockedResponse, servers, upstreamTimeout, ttl, maxLearned, proxy, outage, blockPrivateAnswers,
                    firstBytes);
        }

        Rules rules() {
            return new Rules(policy, mode, blockedResponse, outage, blockPrivateAnswers);
        }
    }

    /** Answers kept for their TTL (at most 4 KiB each, so at most 16 MiB; a typical answer is ~100 bytes). */
    static final int ANSWER_CACHE_ENTRIES = 4096;
    private final Options options;
    private final AtomicReference<LearnedAddresses.KernelTable> kernel = new AtomicReference<>();
    private final AtomicReference<QueryOwnerLookup> owners = new AtomicReference<>();
    private final LearnedAddresses learned;
    private final NetworkUpstream upstream;
    private final DnsCounters counters = new DnsCounters();
    private final QueryReports reports;
    private final AnswerCache cache = new AnswerCache(ANSWER_CACHE_ENTRIES);
    private final DnsProxy proxy;
    /** What names are judged by: the options' at start, a reload's after one. */
    private volatile Rules rules;
    private Thread upkeep;
    private volatile boolean closed;

    private DnsService(Options options, ProcessTable processes, EventSink sink, boolean recordsAllowed, ProxyChain chain)
            throws IOException {
        this.options = options;
        this.upstream = new NetworkUpstream(options.upstreams(), options.upstreamTimeout());
        LearnedAddresses.KernelTable late = new LearnedAddresses.KernelTable() {
            public void learn(byte[] ip, LearnedAddresses.Until until) {
                LearnedAddresses.KernelTable k = kernel.get();
                if (k != null) k.learn(ip, until);
            }

            public void forget(byte[] ip) {
                LearnedAddresses.KernelTable k = kernel.get();
                if (k != null) k.forget(ip);
            }
        };
        this.learned = new LearnedAddresses(late, options.ttl(), options.maxLearned());
        QueryOwnerLookup lookup = (port, txid, transport) -> {
            QueryOwnerLookup o = owners.get();
            return o == null ? Optional.empty() : o.owner(port, txid, transport);
        };
        this.reports = new QueryReports(lookup, processes, sink, counters, recordsAllowed, chain);
        this.rules = options.rules();
        this.proxy = DnsProxy.start(handler(rules), options.upstreams(), options.upstreamTimeout(), options.proxy());
    }

    private QueryHandler handler(Rules r) {
        return new QueryHandler(r, upstream, learned, cache, reports, counters);
    }

    /**
     * Starts the proxy.
     *
     * @param recordsAllowed whether a sink records allowed queries (the events file, reports, OTLP with --otlp-all):
     *                       only then is an allowed query attributed and reported
     * @param chain          the tokens of nested guards' proxies ({@link ProxyChain#NONE} for cordon run)
     */
    public static DnsService start(Options options, ProcessTable processes, EventSink sink, boolean recordsAllowed,
                                   ProxyChain chain) throws IOException {
        return new DnsService(options, processes, sink, recordsAllowed, chain);
    }

    /**
     * Puts a new name policy and mode in force (cordon guard's SIGHUP): queries from now on are
     * judged by it (the handler is swapped whole: no query waits, none is judged half by each), the
     * addresses learned so far move to what it says of their names, and the names it blocks are
     * resolved, so their addresses are caught too.
     */
    public void reload(DomainPolicy names, Mode mode) {
        Rules next = rules.with(names, mode);
        rules = next;
        proxy.handler(handler(next));
        learned.rejudge(name -> names.decide(name).denied());
        BlockedNamePrefetch.run(names, upstream, learned);
    }

    public int port() {
        return proxy.port();
    }

    public List<InetSocketAddress> upstreams() {
        return upstream.servers();
    }

    public LearnedAddresses learned() {
        return learned;
    }

    public DnsCounters counters() {
        return counters;
    }

    /** Connects the kernel maps, learns the blocked names' addresses, starts upkeep. */
    public void attachKernel(LearnedAddresses.KernelTable table, QueryOwnerLookup ownerLookup) {
        kernel.set(table);
        owners.set(ownerLookup);
        BlockedNamePrefetch.run(rules.policy(), upstream, learned);
        BlockedNamePrefetch.outage(options.outage(), upstream, learned);
        upkeep = Thread.ofPlatform().name("cordon-dns-upkeep").daemon(true).start(this::upkeepLoop);
    }

    private void upkeepLoop() {
        long refreshEveryNs = Math.max(1, options.ttl().floorSeconds()) * 1_000_000_000L;
        long nextRefresh = System.nanoTime() + refreshEveryNs;
        while (!closed) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            learned.sweep();
            if (System.nanoTime() >= nextRefresh) {
                BlockedNamePrefetch.run(rules.policy(), upstream, learned);
                BlockedNamePrefetch.outage(options.outage(), upstream, learned);
                nextRefresh = System.nanoTime() + refreshEveryNs;
            }
        }
    }

    /** Idempotent: the session closes it as soon as the command is gone, so held queries are reported in time. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (upkeep != null) upkeep.interrupt();
        proxy.close();
    }
}
