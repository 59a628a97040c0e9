package dev.cordon.session;

import dev.cordon.sys.UtilLinux;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The tools the containment chain execs ({@link UtilLinux}). Missing ones are an error: cordon
 * never runs the command without its containment.
 */
public record ContainmentTools(Path unshare, Path setpriv, Path mount, Path umount) {
    public static ContainmentTools find() {
        return find(UtilLinux.SYSTEM_DIRS);
    }

    /** @throws CordonException naming the missing tools and the package that has them */
    public static ContainmentTools find(List<Path> dirs) {
        Map<String, Path> found = UtilLinux.locate(dirs);
        List<String> missing = UtilLinux.TOOLS.stream().filter(t -> !found.containsKey(t)).toList();
        if (!missing.isEmpty()) {
            throw new CordonException(String.join(", ", missing) + " not found in " + dirs.stream().map(Path::toString).toList()
                    + "; cordon needs util-linux's unshare, setpriv, mount and umount to confine the command "
                    + "(" + UtilLinux.INSTALL + "); not running the command");
        }
        return new ContainmentTools(found.get("unshare"), found.get("setpriv"), found.get("mount"), found.get("umount"));
    }
}
