package dev.cordon.session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * util-linux's unshare, setpriv, mount and umount, found by absolute path in the system directories (not the
 * caller's PATH, which could name look-alikes). Missing ones are an error: cordon never runs the
 * command without its containment.
 */
public record ContainmentTools(Path unshare, Path setpriv, Path mount, Path umount) {
    public static final List<Path> SYSTEM_DIRS = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/sbin"), Path.of("/sbin"));

    public static ContainmentTools find() {
        return find(SYSTEM_DIRS);
    }

    /** @throws CordonException naming the missing tools and the package that has them */
    public static ContainmentTools find(List<Path> dirs) {
        Path unshare = first(dirs, "unshare");
        Path setpriv = first(dirs, "setpriv");
        Path mount = first(dirs, "mount");
        Path umount = first(dirs, "umount");
        List<String> missing = new java.util.ArrayList<>();
        if (unshare == null) missing.add("unshare");
        if (setpriv == null) missing.add("setpriv");
        if (mount == null) missing.add("mount");
        if (umount == null) missing.add("umount");
        if (!missing.isEmpty()) {
            throw new CordonException(String.join(", ", missing) + " not found in " + dirs.stream().map(Path::toString).toList()
                    + "; cordon needs util-linux's unshare, setpriv, mount and umount to confine the command "
                    + "(apt-get install util-linux mount); not running the command");
        }
        return new ContainmentTools(unshare, setpriv, mount, umount);
    }

    private static Path first(List<Path> dirs, String name) {
        for (Path d : dirs) {
            Path p = d.resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }
}
