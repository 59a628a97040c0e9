package dev.cordon.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A host whose lookups do not go straight to a DNS server, made for one process in private mount
 * and network namespaces (so port 53 and /run are its own): a local stub at 127.0.0.53 (dnsmasq, as
 * systemd-resolved's stub listens), and in front of it either nothing, a running nscd (the binary
 * from Debian's package, unpacked by bin/test-tools and never installed), or a socket at
 * systemd-resolved's varlink path served by fake_resolved.py with glibc's resolve NSS module
 * (Debian's libnss-resolve, unpacked likewise) in nsswitch.conf. Behind a daemon, the client's own
 * resolv.conf names a dead server: only the daemon can answer it, unless its socket is hidden.
 */
final class ResolverHost implements Layout {
    /** What answers glibc on this host. */
    enum Kind { STUB, NSCD, RESOLVED }

    /** The address fake_resolved.py gives every name: an answer that did not come through DNS. */
    static final String DAEMON_ANSWER = "127.0.0.77";
    static final String STUB = "127.0.0.53:53";

    private final Kind kind;
    private final Path state;
    private final List<String> records = new ArrayList<>();

    ResolverHost(Kind kind, Path dir) {
        this.kind = kind;
        try {
            this.state = Files.createDirectories(dir.resolve("resolver-" + kind.name().toLowerCase()));
            Files.writeString(state.resolve("stub-resolv.conf"), "nameserver 127.0.0.53\n");
            Files.writeString(state.resolve("dead-resolv.conf"), "nameserver 127.0.0.54\noptions timeout:1 attempts:1\n");
            Files.writeString(state.resolve("nsswitch.conf"), "hosts: files resolve [!UNAVAIL=return] dns\n");
            Files.writeString(state.resolve("nscd.conf"), """
                    enable-cache passwd no
                    enable-cache group no
                    enable-cache services no
                    enable-cache netgroup no
                    enable-cache hosts yes
                    persistent hosts no
                    shared hosts yes
                    """);
            Host.script(state, "fake_resolved.py");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (kind != Kind.STUB) requireTool(kind == Kind.NSCD ? nscd() : nssResolve().resolve("libnss_resolve.so.2"));
    }

    /** A name the stub answers (dnsmasq --host-record). */
    ResolverHost host(String name, String ip) {
        records.add("--host-record=" + name + "," + ip);
        return this;
    }

    private static Path tools() {
        return Path.of(System.getProperty("cordon.testTools", Host.cordonHome().resolve("target/test-tools").toString()));
    }

    private static Path nscd() {
        return tools().resolve("nscd/usr/sbin/nscd");
    }

    private static Path nssResolve() {
        return tools().resolve("libnss-resolve/usr/lib/x86_64-linux-gnu");
    }

    private static void requireTool(Path p) {
        if (!Files.exists(p)) throw new IllegalStateException(p + " is missing: bin/test-tools unpacks it (bin/test runs it)");
    }

    @Override
    public List<String> wrap(List<String> argv) {
        String s = state.toString();
        StringBuilder script = new StringBuilder("""
                set -e
                s=$0
                ip link set lo up
                mount -t tmpfs -o mode=0755 tmpfs /run
                dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.53 --port=53 \\
                  --user=root --pid-file="$s/dnsmasq.pid" --log-queries --log-facility="$s/dnsmasq.log" %s </dev/null >"$s/dnsmasq.out" 2>&1
                cat "$s/dnsmasq.pid" >>"$s/pids"
                """.formatted(String.join(" ", records)));
        switch (kind) {
            case STUB -> script.append("mount --bind \"$s/stub-resolv.conf\" /etc/resolv.conf\n");
            case NSCD -> script.append("""
                    mkdir /run/nscd
                    unshare --mount --propagation private sh -c 'mount --bind "$1/stub-resolv.conf" /etc/resolv.conf && exec "$2" -F -f "$1/nscd.conf"' \\
                      nscd "$s" "%s" </dev/null >"$s/nscd.out" 2>&1 &
                    echo $! >>"$s/pids"
                    for i in $(seq 200); do [ -S /run/nscd/socket ] && break; sleep 0.05; done
                    [ -S /run/nscd/socket ]
                    mount --bind "$s/dead-resolv.conf" /etc/resolv.conf
                    """.formatted(nscd()));
            case RESOLVED -> script.append("""
                    rm -f "$s/resolved.ready"
                    python3 "$s/fake_resolved.py" /run/systemd/resolve/io.systemd.Resolve %s "$s/resolved.ready" </dev/null >"$s/resolved.out" 2>&1 &
                    echo $! >>"$s/pids"
                    for i in $(seq 200); do [ -e "$s/resolved.ready" ] && break; sleep 0.05; done
                    [ -e "$s/resolved.ready" ]
                    mount --bind "$s/nsswitch.conf" /etc/nsswitch.conf
                    mount --bind "$s/dead-resolv.conf" /etc/resolv.conf
                    export LD_LIBRARY_PATH="%s"
                    """.formatted(DAEMON_ANSWER, nssResolve()));
        }
        script.append("exec \"$@\"\n");
        List<String> out = new ArrayList<>(List.of("unshare", "--mount", "--net", "--propagation", "private", "--",
                "/bin/sh", "-c", script.toString(), s));
        out.addAll(argv);
        return out;
    }

    /** The names the stub was asked for, from its log. */
    boolean stubWasAskedFor(String name) {
        try {
            Path log = state.resolve("dnsmasq.log");
            return Files.exists(log) && Files.readAllLines(log).stream().anyMatch(l -> l.matches(".* query\\[[A-Z0-9]+\\] "
                    + java.util.regex.Pattern.quote(name) + " from .*"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops every daemon any run in this layout started (their namespaces go with them). */
    @Override
    public void close() throws IOException {
        Path pids = state.resolve("pids");
        if (!Files.exists(pids)) return;
        for (String pid : Files.readAllLines(pids)) {
            if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
        }
        Files.delete(pids);
    }
}
