package dev.cordon.events;

import java.time.Instant;

/** Where attributed events go. Called from the single event thread; implementations need no locking of their own. */
public interface EventSink extends AutoCloseable {
    void attempt(NetAttempt attempt);

    default void exec(Instant time, ExecEvent event) {}

    @Override
    default void close() {}
}
