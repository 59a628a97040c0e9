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
 */
final class SignalForwarder implements AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM", "HUP"};

    private final Map<String, sun.misc.SignalHandler> previous = new HashMap<>();
    private final Map<String, AtomicInteger> counts = new HashMap<>();

    SignalForwarder(long childPid, Runnable killSession, java.io.PrintWriter err) {
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
                    if (name.equals("INT") && terminalAlreadyDelivered()) return;
                    Libc.kill((int) childPid, s.getNumber());
                } catch (Throwable t) {
                    // a signal handler must not die; the session's normal cleanup still runs
                }
            }));
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
