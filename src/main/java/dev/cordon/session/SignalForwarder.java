package dev.cordon.session;

import dev.cordon.sys.Libc;
import sun.misc.Signal;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Passes SIGINT, SIGTERM and SIGHUP on to the command, so cordon stays alive to clean up while
 * the command decides how to exit. A Ctrl-C on a terminal already reaches the command (same
 * foreground process group), so SIGINT is not sent a second time in that case. A second signal
 * of the same kind means "stop now": the whole session is killed.
 *
 * <p>Installed before the session is set up and restored after its cleanup, so a signal at any
 * moment leaves cordon alive to clean up (the JVM's default handler would exit at once, leaving
 * the cgroup and possibly an unguarded command). A signal before the command started is kept
 * ({@link #pendingSignal()}); one that arrives while it is being started is forwarded once its
 * pid is known ({@link #forwardTo}).
 */
final class SignalForwarder implements AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM", "HUP"};

    private final Map<String, sun.misc.SignalHandler> previous = new HashMap<>();
    private final Map<String, AtomicInteger> counts = new HashMap<>();
    private volatile long childPid; // 0 until the command started
    private volatile int pending;   // the first signal that came before the command started

    SignalForwarder(Runnable killSession, java.io.PrintWriter err) {
        for (String name : SIGNALS) {
            counts.put(name, new AtomicInteger());
            Signal sig = new Signal(name);
            previous.put(name, Signal.handle(sig, s -> {
                try {
                    if (counts.get(name).incrementAndGet() > 1) {
                        err.println("cordon: second SIG" + name + ", killing the session");
                        err.flush();
                        killSession.run();
                        return;
                    }
                    long pid;
                    synchronized (this) { // against forwardTo: the signal is either kept or sent, never lost
                        pid = childPid;
                        if (pid == 0) {
                            if (pending == 0) pending = s.getNumber();
                            return;
                        }
                    }
                    if (name.equals("INT") && terminalAlreadyDelivered()) return;
                    Libc.kill((int) pid, s.getNumber());
                } catch (Throwable t) {
                    // a signal handler must not die; the session's normal cleanup still runs
                }
            }));
        }
    }

    /** The first signal that arrived before the command was started, or 0. */
    int pendingSignal() {
        return pending;
    }

    /** From now on signals go to {@code pid}; one that arrived while it was being started is sent now. */
    void forwardTo(long pid) {
        int sig;
        synchronized (this) {
            childPid = pid;
            sig = pending;
        }
        if (sig != 0) {
            try {
                Libc.kill((int) pid, sig);
            } catch (Libc.ErrnoException ignored) {
                // already gone
            }
        }
    }

    private static boolean terminalAlreadyDelivered() {
        int fg = Libc.tcgetpgrp(0);
        return fg > 0 && fg == Libc.getpgrp();
    }

    @Override
    public void close() {
        previous.forEach((name, handler) -> Signal.handle(new Signal(name), handler));
    }
}
