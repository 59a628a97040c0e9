package dev.cordon.it;

import java.util.List;

/** A host made by a test for one process: {@link #wrap} runs an argv in it; {@link #close} undoes it. */
interface Layout extends AutoCloseable {
    /** {@code argv} run in this layout; it must exec {@code argv} in the end, so the pid stays its own. */
    List<String> wrap(List<String> argv);
}
