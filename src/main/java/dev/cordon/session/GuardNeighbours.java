package dev.cordon.session;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The other cordons around a cgroup a guard is about to protect, from their records. A live one on
 * the same cgroup, or on one below it, refuses this guard; a dead guard of the same cgroup is taken
 * over (its pins are released once this guard's programs are attached, so there is no gap); a
 * live guard of a cgroup above forwards this guard's DNS queries, so both policies judge every
 * name (the kernel runs both guards' programs, any deny wins).
 *
 * @param deadGuards records of dead guards of the same cgroup, to release after attaching
 * @param outer      the nearest live guard of a cgroup above, with a proxy; null when none
 */
record GuardNeighbours(List<SessionRecords.Loaded> deadGuards, SessionRecord outer) {
    /** @throws CordonException when a live cordon guards {@code path} or a cgroup below it */
    static GuardNeighbours of(SessionRecords records, Path path, ProcessStart.Reader proc) {
        List<SessionRecords.Loaded> dead = new ArrayList<>();
        SessionRecord outer = null;
        try {
            for (SessionRecords.Loaded loaded : records.list().values()) {
                SessionRecord r = loaded.record();
                if (r == null) continue;
                boolean alive = r.ownerAlive(proc);
                if (r.cgroup().equals(path)) {
                    if (r.guard() == null) {
                        throw new CordonException(path + " is the cgroup of a cordon run session (pid " + r.ownerPid() + "); it is guarded already");
                    }
                    if (alive) {
                        throw new CordonException(path + " is already guarded by cordon (pid " + r.ownerPid() + ", session " + r.name()
                                + "); stop that guard first (kill -TERM " + r.ownerPid() + ")");
                    }
                    dead.add(loaded);
                } else if (alive && r.guard() != null && r.cgroup().startsWith(path)) {
                    throw new CordonException("a cordon guard of " + r.cgroup() + ", below " + path + ", is running (pid " + r.ownerPid()
                            + "); start the outer guard first, then the inner one, so the inner one's queries go through both");
                } else if (alive && r.guard() != null && path.startsWith(r.cgroup()) && r.guard().dnsPort() > 0
                        && (outer == null || r.cgroup().startsWith(outer.cgroup()))) {
                    outer = r;
                }
            }
        } catch (IOException e) {
            throw new CordonException("cannot read the session records in " + records.dir() + " to see who guards " + path + ": " + e, e);
        }
        return new GuardNeighbours(List.copyOf(dead), outer);
    }

    /** Where the outer guard's proxy listens. */
    InetSocketAddress outerProxy() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), outer.guard().dnsPort());
    }

    /** Releases what dead guards of the same cgroup left (this guard's programs are attached by now). @return lines to say */
    List<String> releaseDead(SessionGc gc, Path pinRoot) {
        List<String> said = new ArrayList<>();
        for (SessionRecords.Loaded loaded : deadGuards) {
            SessionRecord r = loaded.record();
            Path pins = pinRoot.resolve(r.name());
            gc.clean(new SessionGc.Leftover(r.name(), "its guard (pid " + r.ownerPid() + ") is gone", null,
                    Files.isDirectory(pins) ? pins : null, loaded.file(), List.of(), r.cgroup()));
            said.add("took over " + r.cgroup() + " from a guard that died (pid " + r.ownerPid() + "): its pinned programs, "
                    + "kept until this guard's were attached, are released");
        }
        return said;
    }
}
