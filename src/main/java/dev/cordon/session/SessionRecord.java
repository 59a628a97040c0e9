package dev.cordon.session;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What a running session leaves on disk for {@code cordon gc}: whose it is (cordon's pid and
 * start time, so a reused pid is not taken for it), its cgroup, its pin directory, its watchdog
 * and the cgroup v1 directories it made for its limits. One {@code key=value} line each
 * ({@code limits.N=} for the v1 directories; {@code guard.*} for a guard); unknown keys are
 * ignored so newer versions can add.
 *
 * @param cgroup the session's cgroup: one cordon run made (and removes), or the one a guard protects
 * @param guard  what a {@code cordon guard} adds, null for {@code cordon run}
 */
public record SessionRecord(String name, long ownerPid, long ownerStart, Path cgroup, Path pinDir, long watchdogPid,
                            List<Path> limitDirs, GuardInfo guard) {
    static final int VERSION = 1;

    /**
     * A guard's part: what happens to its programs if it dies, and where its DNS proxy listens
     * (a guard of a cgroup below sends its queries there, so both policies judge them, and names
     * each query's process with the chain token, which only root reads here).
     *
     * @param dnsPort    the proxy's port on 127.0.0.1, 0 without a proxy (or before it started)
     * @param chainToken the proxy's chain token in hex ({@code dns.ProxyChain}), "" without one
     */
    public record GuardInfo(OnExit onExit, int dnsPort, String chainToken) {
        public GuardInfo {
            if (onExit == null) throw new IllegalArgumentException("no on-exit");
            if (dnsPort < 0 || dnsPort > 65_535) throw new IllegalArgumentException("bad port " + dnsPort);
            if (!chainToken.matches("[0-9a-f]*")) throw new IllegalArgumentException("bad chain token");
        }
    }

    /** What a guard leaves behind if it dies instead of stopping. */
    public enum OnExit {
        /** The pinned programs stay attached with the last policy (new connections judged, DNS refused). */
        CLOSED,
        /** The watchdog removes the pins: the cgroup runs unguarded. */
        RELEASE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static OnExit parse(String s) {
            for (OnExit o : values()) if (o.label().equals(s)) return o;
            throw new IllegalArgumentException("on-exit must be closed or release, not " + s);
        }
    }

    public SessionRecord {
        if (!SessionCgroup.NAME.matcher(name).matches()) throw new IllegalArgumentException("not a session name: " + name);
        if (ownerPid <= 0) throw new IllegalArgumentException("bad owner pid " + ownerPid);
        if (!cgroup.isAbsolute() || !pinDir.isAbsolute()) throw new IllegalArgumentException("paths must be absolute");
        limitDirs = List.copyOf(limitDirs);
        for (Path d : limitDirs) {
            if (!d.isAbsolute() || !d.getFileName().toString().equals(name)) {
                throw new IllegalArgumentException("a limit directory must be an absolute path named " + name + ": " + d);
            }
        }
    }

    /** A run session without limits. */
    public SessionRecord(String name, long ownerPid, long ownerStart, Path cgroup, Path pinDir, long watchdogPid) {
        this(name, ownerPid, ownerStart, cgroup, pinDir, watchdogPid, List.of(), null);
    }

    /** The record for a session this process is starting. */
    static SessionRecord forThisProcess(String name, Path cgroup, Path pinDir, long watchdogPid, List<Path> limitDirs, GuardInfo guard) {
        long pid = ProcessHandle.current().pid();
        OptionalLong start = ProcessStart.of(pid);
        if (start.isEmpty()) throw new CordonException("cannot read this process's start time from /proc/" + pid + "/stat");
        return new SessionRecord(name, pid, start.getAsLong(), cgroup, pinDir, watchdogPid, limitDirs, guard);
    }

    /** The same record with the guard's DNS port and chain token, once its proxy listens. */
    SessionRecord withProxy(int port, String chainToken) {
        if (guard == null) throw new IllegalStateException("not a guard");
        return new SessionRecord(name, ownerPid, ownerStart, cgroup, pinDir, watchdogPid, limitDirs,
                new GuardInfo(guard.onExit(), port, chainToken));
    }

    /** True while the cordon that made this session runs: same pid, same start time. */
    public boolean ownerAlive(ProcessStart.Reader proc) {
        OptionalLong start = proc.startTime(ownerPid);
        return start.isPresent() && start.getAsLong() == ownerStart;
    }

    public String format() {
        return "version=" + VERSION + "\n"
                + "name=" + name + "\n"
                + "owner.pid=" + ownerPid + "\n"
                + "owner.start=" + ownerStart + "\n"
                + "cgroup=" + cgroup + "\n"
                + "pins=" + pinDir + "\n"
                + "watchdog.pid=" + watchdogPid + "\n"
                + IntStream.range(0, limitDirs.size()).mapToObj(i -> "limits." + i + "=" + limitDirs.get(i) + "\n")
                        .collect(Collectors.joining())
                + (guard == null ? "" : "guard.on-exit=" + guard.onExit().label() + "\n" + "guard.dns-port=" + guard.dnsPort() + "\n"
                        + (guard.chainToken().isEmpty() ? "" : "guard.chain-token=" + guard.chainToken() + "\n"));
    }

    /** @throws IllegalArgumentException naming the key or line that is wrong */
    public static SessionRecord parse(String text) {
        Map<String, String> kv = new LinkedHashMap<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isBlank()) continue;
            int eq = line.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("line " + n + " is not key=value");
            if (kv.put(line.substring(0, eq), line.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("line " + n + ": " + line.substring(0, eq) + " given twice");
            }
        }
        String version = require(kv, "version");
        if (!version.equals(Integer.toString(VERSION))) throw new IllegalArgumentException("unknown version " + version);
        List<Path> limitDirs = new ArrayList<>();
        for (int i = 0; kv.containsKey("limits." + i); i++) limitDirs.add(Path.of(kv.get("limits." + i)));
        GuardInfo guard = kv.containsKey("guard.on-exit")
                ? new GuardInfo(OnExit.parse(kv.get("guard.on-exit")), (int) number(kv, "guard.dns-port"),
                kv.getOrDefault("guard.chain-token", "")) : null;
        return new SessionRecord(require(kv, "name"), number(kv, "owner.pid"), number(kv, "owner.start"),
                Path.of(require(kv, "cgroup")), Path.of(require(kv, "pins")), number(kv, "watchdog.pid"), limitDirs, guard);
    }

    private static String require(Map<String, String> kv, String key) {
        String v = kv.get(key);
        if (v == null || v.isEmpty()) throw new IllegalArgumentException("no " + key);
        return v;
    }

    private static long number(Map<String, String> kv, String key) {
        String v = require(kv, key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is not a number");
        }
    }
}
