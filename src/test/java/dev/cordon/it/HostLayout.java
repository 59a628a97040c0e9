package dev.cordon.it;

import dev.cordon.sys.MountTable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A host layout other than this machine's, made by the test for one process: a private mount
 * namespace (so nothing changes outside it) where a shell prologue reshapes the host, then execs
 * the process (so its pid stays cordon's). Every layout also binds a test resolv.conf over
 * /etc/resolv.conf, so no client in it can reach the machine's own resolver.
 *
 * <p>One thing cannot be kept inside a namespace: mounting cgroup2 from the host's cgroup namespace
 * sets or clears the hierarchy's flags (nsdelegate) for the whole machine. Layouts that do it
 * remember the flags first and {@link #close} mounts cgroup2 once more with the original ones.
 */
final class HostLayout implements Layout {
    /** Lays out the host; each runs in {@code sh -e} inside the private mount namespace. */
    enum Kind {
        /** This machine as it is (a control). */
        AS_IS("", false),
        /** A machine that never ran cordon: no bpffs at /sys/fs/bpf. */
        BPFFS_ABSENT("while grep -q ' /sys/fs/bpf bpf ' /proc/self/mounts; do umount -l /sys/fs/bpf; done", false),
        /** Debian 12, Ubuntu 22.04+, Fedora, RHEL 9: cgroup2 alone at /sys/fs/cgroup, with nsdelegate. Mounted
         *  over whatever is there, so on a hybrid host the old tree is still listed first, but hidden. */
        PURE_V2_NSDELEGATE("mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup", true),
        /** Pure v2 without nsdelegate (older systemd, hand-made hosts). */
        PURE_V2("mount -t cgroup2 cgroup2 /sys/fs/cgroup", true),
        /** Ubuntu 20.04, Debian 10, these build machines: a tmpfs with v1 hierarchies and cgroup2 at unified. */
        HYBRID("""
                mount -t tmpfs -o mode=0755 tmpfs /sys/fs/cgroup
                mkdir /sys/fs/cgroup/unified /sys/fs/cgroup/systemd
                mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
                mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd""", true);

        final String prologue;
        final boolean mountsCgroup2;

        Kind(String prologue, boolean mountsCgroup2) {
            this.prologue = prologue;
            this.mountsCgroup2 = mountsCgroup2;
        }
    }

    private final Kind kind;
    private final Path resolvConf;
    private final List<String> cgroup2Flags;

    HostLayout(Kind kind, Path dir) {
        this.kind = kind;
        try {
            this.resolvConf = Files.writeString(dir.resolve("layout-resolv.conf"), "nameserver 127.0.0.53\n");
            this.cgroup2Flags = kind.mountsCgroup2 ? cgroup2SuperOptions() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Kind kind() {
        return kind;
    }

    @Override
    public List<String> wrap(List<String> argv) {
        String script = "set -e\nmount --bind \"$0\" /etc/resolv.conf\n" + kind.prologue + "\nexec \"$@\"";
        List<String> out = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                script, resolvConf.toString()));
        out.addAll(argv);
        return out;
    }

    /** The cgroup2 hierarchy's own options (nsdelegate and friends), as the host has them now. */
    static List<String> cgroup2SuperOptions() throws IOException {
        return MountTable.read().cgroup2().map(MountTable.Mount::superOptions)
                .orElseThrow(() -> new IllegalStateException("no cgroup2 mount"));
    }

    /** Puts the cgroup2 flags back as they were, by one more mount with them, in a namespace of its own. */
    @Override
    public void close() throws IOException {
        if (!kind.mountsCgroup2) return;
        Path at = Files.createTempDirectory("cordon-cg2-restore-");
        try {
            Host.run(Duration.ofSeconds(20), "unshare", "--mount", "--propagation", "private", "--", "mount", "-t", "cgroup2",
                    "-o", String.join(",", cgroup2Flags), "cgroup2", at.toString()).requireOk("restoring the cgroup2 flags");
        } finally {
            Files.deleteIfExists(at);
        }
        List<String> now = cgroup2SuperOptions();
        if (!now.equals(cgroup2Flags)) {
            throw new IllegalStateException("cgroup2 flags not restored: were " + cgroup2Flags + ", are " + now);
        }
    }
}
