package dev.cordon.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The nameservers of /etc/resolv.conf: cordon's default upstreams. */
public final class ResolvConf {
    private ResolvConf() {}

    /** The system's file, where cordon takes its upstreams when none are given. */
    public static final Path SYSTEM = Path.of("/etc/resolv.conf");

    public static List<InetSocketAddress> nameservers(Path file) throws IOException {
        return parse(Files.readAllLines(file));
    }

    static List<InetSocketAddress> parse(List<String> lines) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (!line.startsWith("nameserver")) continue;
            String[] f = line.split("\\s+");
            if (f.length < 2 || !f[0].equals("nameserver")) continue; // "nameservers x" is no nameserver line
            String addr = f[1];
            int pct = addr.indexOf('%'); // link-local zone: keep the address, drop the zone
            if (pct > 0) addr = addr.substring(0, pct);
            try {
                out.add(new InetSocketAddress(InetAddress.ofLiteral(addr), 53));
            } catch (IllegalArgumentException e) {
                // not an address literal: resolv.conf allows none, skip it
            }
        }
        return out;
    }
}
