package dev.cordon.events;

import java.time.Instant;
import java.util.List;

/**
 * A {@code cordon guard} reloaded its policy file (SIGHUP): applied, or kept the policy in force
 * because the file had errors.
 *
 * @param mode, defaultAction what is in force after this record: the new file's when applied, the old otherwise
 * @param problems the file's errors when not applied; settings that changed but take effect only at restart when applied
 */
public record PolicyReload(Instant time, String policyFile, boolean applied, String mode, String defaultAction, List<String> problems) {
    public PolicyReload {
        problems = List.copyOf(problems);
    }
}
