package dev.cordon.session;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What a running session leaves on disk for {@code cordon gc}: whose it is (cordon's pid and
 * start time, so a reused pid is not taken for it), its cgroup, its pin directory, its watchdog
 * and the cgroup v1 directories it made for its limits. One {@code key=value} line each
 * ({@code limits.N=} for the v1 directories); unknown keys are ignored so newer versions can add.
 */
public record SessionRecord(String name, long ownerPid, long ownerStart, Path cgroup, Path pinDir, long watchdogPid,
                            java.util.List<Path> limitDirs) {
    static final int VERSION = 1;

    public SessionRecord {
        if (!SessionCgroup.NAME.matcher(name).matches()) throw new IllegalArgumentException("not a session name: " + name);
        if (ownerPid <= 0) throw new IllegalArgumentException("bad owner pid " + ownerPid);
        if (!cgroup.isAbsolute() || !pinDir.isAbsolute()) throw new IllegalArgumentException("paths must be absolute");
        limitDirs = java.util.List.copyOf(limitDirs);
        for (Path d : limitDirs) {
            if (!d.isAbsolute() || !d.getFileName().toString().equals(name)) {
                throw new IllegalArgumentException("a limit directory must be an absolute path named " + name + ": " + d);
            }
        }
    }

    /** A session without limits. */
    public SessionRecord(String name, long ownerPid, long ownerStart, Path cgroup, Path pinDir, long watchdogPid) {
        this(name, ownerPid, ownerStart, cgroup, pinDir, watchdogPid, java.util.List.of());
    }

    /** The record for a session this process is starting. */
    static SessionRecord forThisProcess(String name, Path cgroup, Path pinDir, long watchdogPid, java.util.List<Path> limitDirs) {
        long pid = ProcessHandle.current().pid();
        OptionalLong start = ProcessStart.of(pid);
        if (start.isEmpty()) throw new CordonException("cannot read this process's start time from /proc/" + pid + "/stat");
        return new SessionRecord(name, pid, start.getAsLong(), cgroup, pinDir, watchdogPid, limitDirs);
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
                + java.util.stream.IntStream.range(0, limitDirs.size()).mapToObj(i -> "limits." + i + "=" + limitDirs.get(i) + "\n")
                        .collect(java.util.stream.Collectors.joining());
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
        java.util.List<Path> limitDirs = new java.util.ArrayList<>();
        for (int i = 0; kv.containsKey("limits." + i); i++) limitDirs.add(Path.of(kv.get("limits." + i)));
        return new SessionRecord(require(kv, "name"), number(kv, "owner.pid"), number(kv, "owner.start"),
                Path.of(require(kv, "cgroup")), Path.of(require(kv, "pins")), number(kv, "watchdog.pid"), limitDirs);
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
