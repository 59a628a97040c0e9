package dev.cordon.kernel;

import dev.cordon.libbpf.BpfLink;
import dev.cordon.libbpf.BpfMap;
import dev.cordon.libbpf.BpfObject;
import dev.cordon.libbpf.TypedMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The session's uprobe on bash (bpf/script_lines.bpf.c): for every command a bash of the session
 * starts, the script line that started it, sent just before that command's exec event.
 *
 * <p>Loaded beside the session's object, whose ring buffer, cgroup map and drop counter it reuses,
 * and attached to one bash binary at a time ({@link #attach}), each with its layout at the index
 * the attach cookie names. The uprobe is placed in the file, so every process running that binary
 * on the host stops at shell_execve for a few microseconds (only the session's cgroup is read); the
 * links are not pinned: they end with cordon, and with them the probe. It only reads, so a session
 * whose cordon died keeps its guard (the pinned programs) and loses only its script lines.
 *
 * <p>Removing a uprobe makes the kernel wait out an RCU grace period (~100 ms here) in whoever drops
 * the link's last reference. Closing the link's fd would make cordon wait; so {@link #close} pins
 * each link for an instant in the session's bpffs directory, closes its fds, and unlinks the pin:
 * the last reference then goes through bpf_link_put, which hands the release to a kernel worker.
 */
public final class ScriptLines implements AutoCloseable {
    public static final String PROGRAM = "cordon_shell_execve";
    /** The maps the object shares with the session's: declared alike in both .bpf.c files. */
    static final List<String> SHARED_MAPS = List.of("events", "session_cgroup", "dropped_events");

    private final BpfObject object;
    private final Path bpffsDir; // where to pin for an instant when closing, or null
    private final TypedMap<Integer, ShellBinary.Layout> layouts;
    private final BpfMap misreads;
    private final List<BpfLink> links = new ArrayList<>();
    private final List<ShellBinary.Readable> shells = new ArrayList<>();

    private ScriptLines(BpfObject object, Path bpffsDir) {
        this.object = object;
        this.bpffsDir = bpffsDir;
        this.layouts = object.map("shell_layouts").typed(Codecs.U32, Codecs.SHELL_LAYOUT);
        this.misreads = object.map("shell_misreads");
    }

    /**
     * Loads the program for the session {@code guard} guards. Nothing is attached yet.
     *
     * @param bpffsDir a directory on bpffs the session owns (its pin directory), where {@link #close}
     *                 pins each link for an instant so that the kernel releases it in the background;
     *                 null to release in the foreground
     * @throws dev.cordon.libbpf.BpfException when the kernel refuses it (no bpf_get_attach_cookie
     *         for uprobes before Linux 5.15, for one)
     */
    public static ScriptLines load(EgressGuard guard, Path bpffsDir) {
        BpfObject object = BpfObject.open(KernelObjects.scriptLines(), "cordon_sl");
        try {
            for (String m : SHARED_MAPS) object.reuseMap(m, guard.sharedMap(m));
            object.load();
            return new ScriptLines(object, bpffsDir);
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    /**
     * Reads script lines from this bash from now on: its layout goes in the next free slot, then the
     * uprobe goes on its shell_execve with that slot as cookie.
     *
     * @throws IllegalStateException when {@link Abi#SHELLS_MAX} binaries are attached already
     * @throws dev.cordon.libbpf.BpfException when the kernel refuses the uprobe
     */
    public synchronized void attach(ShellBinary.Readable shell) {
        int index = shells.size();
        if (index >= Abi.SHELLS_MAX) throw new IllegalStateException("already reading script lines from " + index + " shells");
        layouts.put(index, shell.layout());
        links.add(object.program(PROGRAM).attachUprobe(shell.path().toString(), shell.probeOffset(), index));
        shells.add(shell);
    }

    /** The binaries attached, in attach order. */
    public synchronized List<ShellBinary.Readable> shells() {
        return List.copyOf(shells);
    }

    /** Execs from this binary (by attach order) whose memory did not read as its layout says: they got no line. */
    public synchronized long misreads(int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(JAVA_INT);
            key.set(JAVA_INT, 0, index);
            return misreads.sumPerCpuLong(key);
        }
    }

    /** Takes the probes off: without waiting for the kernel when there is a bpffs directory (see the class comment). */
    @Override
    public synchronized void close() {
        RuntimeException first = null;
        for (int i = 0; i < links.size(); i++) {
            try {
                release(links.get(i), i);
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        links.clear();
        object.close();
        if (first != null) throw first;
    }

    private void release(BpfLink link, int index) {
        Path pin = bpffsDir == null ? null : bpffsDir.resolve("script-lines-" + index);
        try {
            if (pin != null) link.pin(pin.toString());
        } catch (RuntimeException e) {
            pin = null; // cannot pin: release it here, and wait
        }
        link.close(); // pinned, this only closes cordon's fds
        if (pin == null) return;
        try {
            Files.deleteIfExists(pin); // the last reference: the kernel releases the uprobe in a worker
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpin " + pin + ": " + e.getMessage(), e);
        }
    }
}
