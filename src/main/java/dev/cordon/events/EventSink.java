package dev.cordon.events;

import java.time.Instant;

/** Where attributed events go. Called from the event thread and the DNS proxy's threads: implementations synchronize. */
public interface EventSink extends AutoCloseable {
    void attempt(NetAttempt attempt);

    default void exec(Instant time, ExecEvent event) {}

    default void dns(DnsEvent event) {}

    @Override
    default void close() {}
}
