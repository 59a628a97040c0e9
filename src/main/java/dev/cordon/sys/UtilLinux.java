package dev.cordon.sys;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The util-linux tools that confine cordon's command (unshare, setpriv, mount, umount), found by
 * absolute path in the system directories, not through the caller's PATH, which could name
 * look-alikes. {@code session.ContainmentTools} refuses a run without them; {@code cordon doctor}
 * reports them.
 */
public final class UtilLinux {
    private UtilLinux() {}

    public static final List<Path> SYSTEM_DIRS = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/sbin"), Path.of("/sbin"));
    public static final List<String> TOOLS = List.of("unshare", "setpriv", "mount", "umount");
    /** What to install where one is missing (Debian's package names). */
    public static final String INSTALL = "apt-get install util-linux mount";

    /** Each tool found in {@code dirs} (first directory wins), in {@link #TOOLS} order; missing ones are absent. */
    public static Map<String, Path> locate(List<Path> dirs) {
        Map<String, Path> found = new LinkedHashMap<>();
        for (String tool : TOOLS) {
            for (Path d : dirs) {
                Path p = d.resolve(tool);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    found.put(tool, p);
                    break;
                }
            }
        }
        return found;
    }

    public static Map<String, Path> locate() {
        return locate(SYSTEM_DIRS);
    }
}
