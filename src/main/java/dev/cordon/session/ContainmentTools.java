package dev.cordon.session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * util-linux's unshare and setpriv, found by absolute path in the system directories (not the
 * caller's PATH, which could name look-alikes). Missing ones are an error: cordon never runs the
 * command without its containment.
 */
public record ContainmentTools(Path unshare, Path setpriv) {
    public static final List<Path> SYSTEM_DIRS = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/sbin"), Path.of("/sbin"));

    public static ContainmentTools find() {
        return find(SYSTEM_DIRS);
    }

    /** @throws CordonException naming the missing tools and the package that has them */
    public static ContainmentTools find(List<Path> dirs) {
        Path unshare = first(dirs, "unshare");
        Path setpriv = first(dirs, "setpriv");
        if (unshare == null || setpriv == null) {
            String missing = unshare == null && setpriv == null ? "unshare and setpriv" : unshare == null ? "unshare" : "setpriv";
            throw new CordonException(missing + " not found in " + dirs.stream().map(Path::toString).toList()
                    + "; cordon needs them to confine the command (install util-linux: apt-get install util-linux); not running the command");
        }
        return new ContainmentTools(unshare, setpriv);
    }

    private static Path first(List<Path> dirs, String name) {
        for (Path d : dirs) {
            Path p = d.resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }
}
