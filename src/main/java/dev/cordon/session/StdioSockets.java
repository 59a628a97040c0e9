package dev.cordon.session;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Warns when cordon's own stdin, stdout or stderr is a socket: the command inherits it, and a
 * socket created outside the session's cgroup is not seen by the session's programs (cgroup_skb
 * follows the cgroup a socket was created in; connect/sendmsg do not run on an already connected one).
 */
final class StdioSockets {
    private static final String[] NAMES = {"stdin", "stdout", "stderr"};
    /** /proc/net tables by what they hold; the socket's inode is the 10th column (unix: the 7th). */
    private static final Map<String, String> TABLES = Map.of("tcp", "TCP", "tcp6", "TCP (IPv6)", "udp", "UDP",
            "udp6", "UDP (IPv6)", "raw", "raw", "raw6", "raw (IPv6)", "unix", "Unix");

    private StdioSockets() {}

    static void warn(PrintWriter err) {
        for (String w : warnings(Path.of("/proc/self/fd"), Path.of("/proc/self/net"))) err.println(w);
        err.flush();
    }

    static List<String> warnings(Path fdDir, Path netDir) {
        List<String> out = new ArrayList<>();
        for (int fd = 0; fd < NAMES.length; fd++) {
            String target;
            try {
                target = Files.readSymbolicLink(fdDir.resolve(Integer.toString(fd))).toString();
            } catch (IOException | UnsupportedOperationException e) {
                continue; // closed, or not Linux
            }
            if (!target.startsWith("socket:[") || !target.endsWith("]")) continue;
            String inode = target.substring(8, target.length() - 1);
            String kind = kind(netDir, inode);
            out.add("cordon: warning: " + NAMES[fd] + " is a " + (kind == null ? "" : kind + " ") + "socket opened outside the session; "
                    + "the command inherits it and cordon's programs do not see traffic on it (they see sockets created inside the session)");
        }
        return out;
    }

    private static String kind(Path netDir, String inode) {
        for (var t : TABLES.entrySet()) {
            int column = t.getKey().equals("unix") ? 6 : 9;
            try {
                for (String line : Files.readAllLines(netDir.resolve(t.getKey()))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > column && f[column].equals(inode)) return t.getValue();
                }
            } catch (IOException | RuntimeException e) {
                // table missing (no IPv6, say): look in the others
            }
        }
        return null;
    }
}
