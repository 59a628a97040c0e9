package dev.cordon.limits;

import dev.cordon.sys.MountTable;

import java.nio.file.Path;
import java.util.List;

/**
 * Where one controller enforces a limit for a session: a cgroup directory of the v2 hierarchy
 * (the session's own) or of a v1 hierarchy that has the controller (a directory cordon makes
 * below its own cgroup there, so the host's limits on cordon still hold for the command).
 *
 * @param dir       the cgroup directory whose files take the limit
 * @param created   the directory is cordon's, made for this session and removed after it (v1)
 * @param hierarchy the v1 hierarchy's mount, null for v2
 * @param foreign   the directory is not cordon's (the cgroup a guard protects): its values are put back at the end
 */
public record Placement(Controller controller, Path dir, boolean v2, boolean created, MountTable.Mount hierarchy, boolean foreign) {
    public Placement {
        if (foreign && (created || !v2)) throw new IllegalArgumentException("only an existing v2 cgroup can be another's");
    }

    /** The file the command's pid is written to before it execs (v1 only: the v2 cgroup is joined by the shim). */
    public Path procsFile() {
        return dir.resolve("cgroup.procs");
    }

    /** The v1 hierarchy's own options (its controllers and flags), as a second mount of it must repeat them. */
    public String hierarchyOptions() {
        List<String> o = hierarchy.superOptions().stream().filter(x -> !x.equals("rw") && !x.equals("ro")).toList();
        return String.join(",", o);
    }

    public String describe() {
        return controller.kernelName + " (cgroup " + (v2 ? "v2" : "v1") + " " + dir + ")";
    }
}
