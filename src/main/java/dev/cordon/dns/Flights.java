package dev.cordon.dns;

import java.util.function.Consumer;

/**
 * The queries {@link UdpLoop} has asked upstream and not had answered: at most {@code capacity},
 * each in a slot made once (no object per query), found again by the upstream socket it went out
 * on and the fresh random id it went out with. Used by the loop's thread only.
 */
final class Flights {
    /** One query in flight. Reused: valid from {@link #start} until {@link #end}. */
    static final class Flight {
        final int slot;
        final byte[] peer = new byte[28]; // the client's sockaddr, to answer it
        QueryHandler handler;
        Judge.Ask ask;
        int listener, server, socket, wireId;
        long deadlineNs, endNs, sentNs, retryNs;

        Flight(int slot) {
            this.slot = slot;
        }
    }

    private final Flight[] flights;
    private final int[] free;
    private int freeCount;
    /** Per upstream socket: wire id → slot + 1 (0: no query with that id on that socket). */
    private final char[][] byId;

    Flights(int capacity, int sockets) {
        if (capacity > Character.MAX_VALUE - 1) throw new IllegalArgumentException("at most 65534 queries in flight");
        flights = new Flight[capacity];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            flights[i] = new Flight(i);
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        byId = new char[sockets][];
    }

    int busy() {
        return flights.length - freeCount;
    }

    /** A free slot for a query, or null when {@code capacity} are in flight. */
    Flight start(QueryHandler handler, Judge.Ask ask, int listener, long endNs) {
        if (freeCount == 0) return null;
        Flight f = flights[free[--freeCount]];
        f.handler = handler;
        f.ask = ask;
        f.listener = listener;
        f.endNs = endNs;
        f.socket = -1;
        return f;
    }

    /**
     * Puts {@code f} on {@code socket} under a fresh random id not in use there.
     *
     * @return the id, or -1 when 16 tries found none free (the socket is that busy: try another server or fail)
     */
    int send(Flight f, int server, int socket, long deadlineNs) {
        unlink(f);
        char[] ids = byId[socket];
        if (ids == null) ids = byId[socket] = new char[65536];
        for (int tries = 0; tries < 16; tries++) {
            int id = (int) (QueryIds.next() & 0xffff);
            if (ids[id] != 0) continue;
            ids[id] = (char) (f.slot + 1);
            f.server = server;
            f.socket = socket;
            f.wireId = id;
            f.deadlineNs = deadlineNs;
            return id;
        }
        return -1;
    }

    /** The query that went out on {@code socket} with {@code id}, or null (late, or never asked). */
    Flight find(int socket, int id) {
        char[] ids = byId[socket];
        if (ids == null || ids[id] == 0) return null;
        return flights[ids[id] - 1];
    }

    /** Frees the slot: its answer came, or it failed. */
    void end(Flight f) {
        unlink(f);
        f.handler = null;
        f.ask = null;
        free[freeCount++] = f.slot;
    }

    private void unlink(Flight f) {
        if (f.socket >= 0) byId[f.socket][f.wireId] = 0;
        f.socket = -1;
    }

    /** Calls {@code action} with each flight past its deadline or its retry time (it may {@link #end} or {@link #send} it again). */
    void due(long nowNs, Consumer<Flight> action) {
        for (Flight f : flights) {
            if (f.ask != null && f.socket >= 0 && (nowNs - f.deadlineNs >= 0 || nowNs - f.retryNs >= 0)) action.accept(f);
        }
    }

    /** Calls {@code action} with each flight waiting on {@code socket} (its server stopped listening). */
    void on(int socket, Consumer<Flight> action) {
        for (Flight f : flights) {
            if (f.ask != null && f.socket == socket) action.accept(f);
        }
    }
}
