package dev.cordon.session;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The signals a guard answers: SIGTERM and SIGINT stop it (it detaches cleanly), SIGHUP reloads
 * its policy file. Handlers only queue the signal; the guard's own thread acts on it, so a reload
 * never runs inside a signal handler and two never overlap. Installed before anything is
 * attached, so a signal at any moment leaves the guard alive to clean up.
 */
final class GuardSignals implements AutoCloseable {
    enum Request { STOP, RELOAD }

    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Map<String, SignalHandler> previous = new LinkedHashMap<>();

    GuardSignals() {
        install("TERM", Request.STOP);
        install("INT", Request.STOP);
        install("HUP", Request.RELOAD);
    }

    private void install(String name, Request request) {
        previous.put(name, Signal.handle(new Signal(name), s -> queue.add(request)));
    }

    /** The next request, or null when {@code timeout} passed without one. */
    Request next(Duration timeout) {
        try {
            return queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Request.STOP;
        }
    }

    /** True when a stop was asked before the guard was ready (it then never starts guarding). */
    boolean stopPending() {
        return queue.contains(Request.STOP);
    }

    @Override
    public void close() {
        previous.forEach((name, handler) -> Signal.handle(new Signal(name), handler));
    }
}
