package dev.cordon.events;

import java.time.Instant;
import java.util.List;

/**
 * An exec the kernel refused with EPERM, and what the file's capabilities (its security.capability
 * attribute) say about why. A file whose capabilities are effective and permit one the session
 * dropped from the bounding set cannot be exec'd at all; then {@link #droppedByCordon} names them.
 *
 * @param file             the file the path led to, or null when cordon could not find it
 * @param fileCapabilities the file's permitted capabilities as getcap names them ({@code cap_net_raw}); empty if none
 * @param droppedByCordon  those of them cordon dropped from the command, when they are why the exec failed
 * @param unresolved       why the file could not be looked at, or null
 */
public record ExecDenial(Instant time, ExecDeniedEvent event, ProcessTable.Attribution who, String file,
                         List<String> fileCapabilities, List<String> droppedByCordon, String unresolved) {
    public ExecDenial {
        fileCapabilities = List.copyOf(fileCapabilities);
        droppedByCordon = List.copyOf(droppedByCordon);
    }

    /** cordon's containment is why the exec failed. */
    public boolean explained() {
        return !droppedByCordon.isEmpty();
    }
}
