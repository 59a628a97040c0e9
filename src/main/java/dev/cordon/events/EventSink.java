package dev.cordon.events;

import java.time.Instant;

/**
 * Where attributed events go. Called from the event thread and the DNS proxy's threads: implementations synchronize.
 * A {@code task} is the task the process was in ({@link TaskNames}, cordon guard), or null where there are no tasks.
 */
public interface EventSink extends AutoCloseable {
    void attempt(NetAttempt attempt);

    /**
     * A process of the session exec'd; {@code who} is its attribution as of this exec (its task,
     * and the script line that started it).
     */
    default void exec(Instant time, ExecEvent event, ProcessTable.Attribution who) {}

    default void dns(DnsEvent event) {}

    /** A process of the session failed an exec with EPERM. */
    default void execDenied(ExecDenial denial) {}

    /** A process of the session ended. */
    default void exit(Instant time, ExitEvent event, String task) {}

    /** Before the command starts. */
    default void runStarted(RunStart start) {}

    /** A guard reloaded its policy file, or kept the old policy because the file had errors. */
    default void policyReloaded(PolicyReload reload) {}

    /** After every process of the session is gone and every event is delivered (a guard: after it detached). */
    default void runEnded(RunEnd end) {}

    @Override
    default void close() {}
}
