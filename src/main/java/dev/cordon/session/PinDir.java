package dev.cordon.session;

import dev.cordon.sys.Libc;
import dev.cordon.sys.MountTable;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where a session's links are pinned: {@code /sys/fs/bpf/cordon/<session>/<program>}, and the
 * first-bytes check's sockhash (whose sk_msg program goes when its last user reference does). A
 * pinned link stays attached when cordon dies, so the command stays guarded (fail closed) until the
 * watchdog or {@code cordon gc} kills it and removes the pins.
 */
public final class PinDir {
    public static final Path BPFFS = Path.of("/sys/fs/bpf");
    public static final Path ROOT = BPFFS.resolve("cordon");

    private PinDir() {}

    public static Path forSession(String name) {
        return ROOT.resolve(name);
    }

    /** Mounts bpffs (mode 0700) and makes the session's directory; refuses the run if either fails. */
    static Path create(String name) {
        Path dir = forSession(name);
        try {
            ensureMounted();
            for (int attempt = 0; ; attempt++) {
                Files.createDirectories(ROOT, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                    return dir;
                } catch (java.nio.file.NoSuchFileException e) {
                    // another session's cleanup removed the (then empty) root in between: make it again, once
                    if (attempt > 0) throw e;
                }
            }
        } catch (FileAlreadyExistsException e) {
            throw new CordonException("cannot pin the session's programs: " + dir + " already exists; not running the command", e);
        } catch (IOException e) {
            throw new CordonException("cannot pin the session's programs at " + dir + " (" + e.getMessage()
                    + "); without pins a crash of cordon would leave the command unguarded, so it is not run", e);
        }
    }

    static void ensureMounted() throws IOException {
        if (MountTable.read().at(BPFFS, "bpf").isPresent()) return;
        if (!Files.isDirectory(BPFFS)) throw new IOException("no bpffs mounted and no " + BPFFS + " to mount it on");
        Libc.mount("bpf", BPFFS.toString(), "bpf", "mode=0700");
    }

    /** Removes the pins (each unlink drops a link's last reference once no process holds it) and the directory. */
    public static int remove(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        int pins = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
                pins++;
            }
        }
        Files.deleteIfExists(dir);
        removeRootIfEmpty(dir.getParent());
        return pins;
    }

    /** The shared root goes with the last session, so a host without sessions has nothing under bpffs. */
    private static void removeRootIfEmpty(Path root) {
        if (root == null || !root.equals(ROOT)) return;
        try {
            Files.deleteIfExists(root);
        } catch (IOException e) {
            // not empty (another session is running) or already gone: it stays for that session
        }
    }

    public static int count(Path dir) {
        if (!Files.isDirectory(dir)) return 0;
        try (var s = Files.list(dir)) {
            return (int) s.count();
        } catch (IOException e) {
            return 0;
        }
    }
}
