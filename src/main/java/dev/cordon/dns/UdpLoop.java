package dev.cordon.dns;

import dev.cordon.sys.DatagramBatch;
import dev.cordon.sys.Epoll;
import dev.cordon.sys.Libc;
import dev.cordon.sys.UdpSocket;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * The proxy's UDP side on one platform thread: the listening sockets and the upstream sockets in
 * one epoll set, datagrams read and written many per system call ({@link DatagramBatch}). A query
 * is parsed, judged and, where the judge can, answered on this thread with no hand-off: a cached
 * or blocked name, and the answer to a query asked upstream, which comes back to this thread too.
 * A query asked upstream waits in {@link Flights}, not on a thread. Only a truncated answer (asked
 * again over TCP) and a name held for a simulated outage go to a virtual thread.
 */
final class UdpLoop implements Runnable {
    static final int BATCH = 32, ANSWER_ROOM = 4096, REPLY_ROOM = 1232, QUERY_ROOM = 512;
    /** How often queries in flight are checked for their deadline. */
    private static final int TICK_MS = 10;
    /** The least time a server gets before the next is asked (NetworkUpstream's rule too). */
    private static final long MIN_SHARE_NS = 50_000_000L;
    /** The least wait before a query is sent again to the same server (then twice as long each time). */
    private static final long MIN_RETRY_NS = 100_000_000L;

    private final UdpSocket[] listeners;
    private final UpstreamSockets upstreams;
    private final Supplier<QueryHandler> handler;
    private final ExecutorService workers;
    private final Semaphore held;
    private final long timeoutNs;
    private final Epoll epoll;
    private final Flights flights;
    private final DatagramBatch in = new DatagramBatch(BATCH, ANSWER_ROOM);
    private final DatagramBatch[] replies;
    /** Per listener, when each query of the reply batch was read: its latency is recorded as the batch goes out. */
    private final long[][] replyStarts;
    private final DnsLatency latency;
    /** The client of the datagram at hand (a sockaddr): copied, never allocated, per query. */
    private final byte[] peer = new byte[28];
    private long nextExpiry;
    private volatile boolean closed;

    /**
     * @param handler the handler in force (a reload swaps it); each query keeps the one it started with
     * @param workers virtual threads for the queries that wait (truncated answers, simulated outages), at most {@code held}
     * @param latency  where each answer's time, read to sent, is recorded
     */
    UdpLoop(List<UdpSocket> listeners, List<InetSocketAddress> servers, Duration timeout, int maxInFlight,
            Supplier<QueryHandler> handler, ExecutorService workers, Semaphore held, DnsLatency latency) throws Libc.ErrnoException {
        this.listeners = listeners.toArray(UdpSocket[]::new);
        this.handler = handler;
        this.workers = workers;
        this.held = held;
        this.latency = latency;
        this.timeoutNs = timeout.toNanos();
        this.epoll = new Epoll(BATCH);
        this.upstreams = new UpstreamSockets(servers, this.listeners.length, epoll);
        this.flights = new Flights(maxInFlight, upstreams.socketCount());
        this.replies = new DatagramBatch[this.listeners.length];
        this.replyStarts = new long[this.listeners.length][BATCH];
        for (int i = 0; i < this.listeners.length; i++) {
            epoll.add(this.listeners[i].fd(), i);
            replies[i] = new DatagramBatch(BATCH, REPLY_ROOM);
        }
    }

    @Override
    public void run() {
        try {
            while (!closed) {
                int ready = epoll.await(flights.busy() > 0 ? TICK_MS : -1);
                for (int i = 0; i < ready && !closed; i++) {
                    int token = (int) epoll.token(i);
                    if (token < listeners.length) queries(token);
                    else answers(token - listeners.length);
                }
                expire();
                flush();
            }
        } catch (Libc.ErrnoException e) {
            if (!closed) throw new IllegalStateException("DNS proxy: " + e.getMessage(), e);
        } finally {
            in.close();
            for (DatagramBatch b : replies) b.close();
            upstreams.close();
            epoll.close();
        }
    }

    /**
     * Every tick at most: a flight past its server's share of time goes to the next server, or
     * fails; one past its retry time is sent again to the same server, as a stub resolver would (a
     * datagram lost on the way, or dropped by a busy server, costs a retry, not the whole timeout).
     */
    private void expire() {
        long now = System.nanoTime();
        if (flights.busy() == 0 || now - nextExpiry < 0) return;
        nextExpiry = now + TICK_MS * 1_000_000L;
        flights.due(now, f -> {
            if (now - f.deadlineNs >= 0) {
                sendFrom(f, f.server + 1);
            } else {
                f.retryNs = now + 2 * (now - f.sentNs);
                f.sentNs = now;
                upstreams.send(f.server, f.socket, wire(f));
            }
        });
    }

    /** Stops the loop (it ends within one pass); the caller closes the listening sockets once it has. */
    void stop() {
        closed = true;
        listeners[0].shutdown(); // wakes the wait
    }

    private void queries(int listener) {
        int n;
        do {
            try {
                n = in.receive(listeners[listener]);
            } catch (Libc.ErrnoException e) {
                return; // e.g. an ICMP error surfacing on the socket: keep serving
            }
            for (int i = 0; i < n; i++) {
                long startNs = System.nanoTime();
                in.peer(i, peer);
                byte[] raw = in.copy(i);
                try {
                    query(listener, raw, in.peerPort(i), in.truncated(i), startNs);
                } catch (RuntimeException e) {
                    reply(listener, peer, Replies.overloaded(raw), startNs); // a fault judging one query fails that query only
                }
            }
            flush();
        } while (n == BATCH && !closed);
    }

    /** One query: parse, judge, and answer it now or ask upstream. */
    private void query(int listener, byte[] raw, int port, boolean tooLong, long startNs) {
        QueryHandler h = handler.get();
        if (tooLong) { // longer than any query the proxy reads
            h.counters().queries.incrementAndGet();
            h.counters().malformed.incrementAndGet();
            reply(listener, peer, Replies.formErr(raw), startNs);
            return;
        }
        Parsed parsed = Query.parse(raw, h.counters());
        if (parsed instanceof Parsed.Refused r) {
            reply(listener, peer, r.reply(), startNs);
            return;
        }
        next(h, h.judge().question((Query) parsed, new Client(port, Transport.UDP), startNs), listener, startNs);
    }

    /** Does what the judge said, for the client in {@link #peer}. */
    private void next(QueryHandler h, Judge.Step step, int listener, long startNs) {
        switch (step) {
            case Judge.Reply r -> reply(listener, peer, r.bytes(), startNs);
            case Judge.Ask a -> ask(h, a, listener);
            case Judge.Refetch f -> waiting(h, f, f.ask(), listener);
            case Judge.Hold hold -> waiting(h, hold, hold.ask(), listener);
        }
    }

    private void ask(QueryHandler h, Judge.Ask a, int listener) {
        Flights.Flight f = flights.start(h, a, listener, a.startNs() + timeoutNs);
        if (f == null) { // the in-flight cap: fail fast, never wait
            reply(listener, peer, h.judge().overloaded(a), a.startNs());
            return;
        }
        System.arraycopy(peer, 0, f.peer, 0, peer.length);
        sendFrom(f, 0);
    }

    /**
     * Sends flight {@code f} to the first server from {@code first} on that can take it, giving it an
     * equal share of the time left for each server still to try; none left (or no time): SERVFAIL.
     */
    private void sendFrom(Flights.Flight f, int first) {
        long now = System.nanoTime();
        for (int server = first; server < upstreams.servers() && now < f.endNs; server++) {
            int socket = upstreams.socketFor(server);
            long share = Math.max(MIN_SHARE_NS, (f.endNs - now) / (upstreams.servers() - server));
            if (socket < 0 || flights.send(f, server, socket, now + share) < 0) continue; // unreachable, or no id free there
            f.sentNs = now;
            f.retryNs = now + Math.max(MIN_RETRY_NS, share / 16);
            upstreams.send(server, socket, wire(f));
            return;
        }
        QueryHandler h = f.handler;
        Judge.Ask a = f.ask;
        int listener = f.listener;
        System.arraycopy(f.peer, 0, peer, 0, peer.length);
        flights.end(f);
        next(h, h.judge().failed(a), listener, a.startNs());
    }

    /** The query as flight {@code f} sends it: under its wire id. */
    private static byte[] wire(Flights.Flight f) {
        byte[] out = f.ask.upstream().clone();
        Wire.putU16(out, 0, f.wireId);
        return out;
    }

    private void answers(int socket) {
        int n;
        do {
            try {
                n = in.receive(upstreams.socket(socket));
            } catch (Libc.ErrnoException e) {
                // ECONNREFUSED: the server is not listening; fail over now, not at the deadline
                if (e.errno() == DatagramBatch.ECONNREFUSED) flights.on(socket, f -> sendFrom(f, f.server + 1));
                return;
            }
            for (int i = 0; i < n; i++) {
                if (in.length(i) >= Wire.HEADER) answer(socket, in.copy(i), in.truncated(i));
            }
            flush();
        } while (n == BATCH && !closed);
    }

    /** One upstream datagram: the answer to a flight if its id and question match, else dropped (late, or forged). */
    private void answer(int socket, byte[] bytes, boolean tooLong) {
        Flights.Flight f = flights.find(socket, Wire.id(bytes));
        if (f == null || !Wire.sameQuestion(f.ask.query().raw(), bytes, bytes.length)) return;
        QueryHandler h = f.handler;
        Judge.Ask a = f.ask;
        int listener = f.listener;
        System.arraycopy(f.peer, 0, peer, 0, peer.length);
        flights.end(f);
        Wire.putU16(bytes, 0, a.query().id());
        Judge.Step step;
        try {
            // Longer than the room for it: as if it came truncated (asked again over TCP, where it fits).
            step = tooLong ? new Judge.Refetch(a, Replies.truncated(a.query())) : h.judge().answer(a, bytes);
        } catch (RuntimeException e) {
            step = new Judge.Reply(Replies.overloaded(a.query().raw()));
        }
        next(h, step, listener, a.startNs());
    }

    /** A query that must wait goes to a virtual thread, which answers it on its own; at most {@code held} wait at once. */
    private void waiting(QueryHandler h, Judge.Step step, Judge.Ask a, int listener) {
        if (!held.tryAcquire()) {
            reply(listener, peer, h.judge().overloaded(a), a.startNs());
            return;
        }
        UdpSocket socket = listeners[listener];
        byte[] client = peer.clone();
        workers.execute(() -> {
            try {
                byte[] bytes = h.complete(step);
                if (bytes != null && !closed) {
                    DatagramBatch.sendOne(socket, bytes, client);
                    latency.record(System.nanoTime() - a.startNs());
                }
            } finally {
                held.release();
            }
        });
    }

    /** Queues {@code bytes} (null: nothing to send) for the client {@code to} of a query read at {@code startNs}. */
    private void reply(int listener, byte[] to, byte[] bytes, long startNs) {
        if (bytes == null) return;
        DatagramBatch out = replies[listener];
        if (!out.add(bytes, to)) {
            sendReplies(listener);
            if (!out.add(bytes, to)) { // bigger than a batch's room
                DatagramBatch.sendOne(listeners[listener], bytes, to);
                latency.record(System.nanoTime() - startNs);
                return;
            }
        }
        replyStarts[listener][out.count() - 1] = startNs;
    }

    private void sendReplies(int listener) {
        int n = replies[listener].count();
        replies[listener].send(listeners[listener]);
        long now = System.nanoTime();
        for (int i = 0; i < n; i++) latency.record(now - replyStarts[listener][i]);
    }

    private void flush() {
        upstreams.flush();
        for (int i = 0; i < replies.length; i++) {
            if (replies[i].count() > 0) sendReplies(i);
        }
    }
}
