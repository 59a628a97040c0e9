package dev.cordon.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Local daemons glibc asks for names over a Unix socket instead of sending a DNS query to port 53:
 * nscd (glibc tries it before any NSS module) and systemd-resolved's NSS module ({@code resolve} in
 * nsswitch.conf's hosts line; Fedora's default, and Debian's with libnss-resolve). A lookup that
 * way never reaches cordon's proxy, so cordon hides them from the command, and glibc falls back to
 * DNS on port 53 ({@code session.Containment}); {@code cordon doctor} reports which are here.
 */
public final class LocalResolvers {
    private LocalResolvers() {}

    /**
     * One daemon's rendezvous point.
     *
     * @param directory hide the whole directory (an empty read-only one in its place), so a socket the
     *                  daemon makes later is hidden too; otherwise hide this one socket file
     */
    public record Endpoint(String daemon, Path path, boolean directory, String usedBy) {}

    /** glibc's _PATH_NSCDSOCKET is /var/run/nscd/socket; /var/run is a link to /run on current systems. */
    public static final List<Endpoint> KNOWN = List.of(
            new Endpoint("nscd", Path.of("/run/nscd"), true, "glibc asks nscd before any NSS module"),
            new Endpoint("nscd", Path.of("/var/run/nscd"), true, "glibc asks nscd before any NSS module"),
            new Endpoint("systemd-resolved", Path.of("/run/systemd/resolve/io.systemd.Resolve"), false,
                    "glibc's resolve NSS module (libnss-resolve, systemd 247+) asks it over varlink"));

    /** The known endpoints present on this host, each real path once. */
    public static List<Endpoint> present() {
        return present(KNOWN);
    }

    static List<Endpoint> present(List<Endpoint> candidates) {
        Set<Path> seen = new LinkedHashSet<>();
        List<Endpoint> out = new ArrayList<>();
        for (Endpoint e : candidates) {
            Path real;
            try {
                real = e.path().toRealPath();
            } catch (IOException notThere) {
                continue;
            }
            boolean right = e.directory() ? Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS) : isSocket(real);
            if (right && seen.add(real)) out.add(new Endpoint(e.daemon(), real, e.directory(), e.usedBy()));
        }
        return List.copyOf(out);
    }

    /** A socket; Java cannot tell it from a FIFO or a device, which would be hidden as harmlessly. */
    private static boolean isSocket(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
        } catch (IOException e) {
            return false;
        }
    }
}
