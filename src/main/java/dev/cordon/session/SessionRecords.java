package dev.cordon.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;

/** The directory of {@link SessionRecord}s, one file per running session, named after it. */
public final class SessionRecords {
    /** On tmpfs: a reboot ends every session, and their records with them. */
    public static final Path DEFAULT_DIR = Path.of("/run/cordon/sessions");

    /** A record file as read: the record, or why it could not be read. */
    public record Loaded(Path file, SessionRecord record, String problem) {}

    private final Path dir;

    public SessionRecords(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path fileOf(String name) {
        return dir.resolve(name);
    }

    /** Writes atomically (temp file, rename), so a reader never sees half a record. */
    public void write(SessionRecord r) {
        Path file = fileOf(r.name());
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path tmp = dir.resolve("." + r.name() + ".tmp");
            Files.writeString(tmp, r.format(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new CordonException("cannot record the session in " + file + " (cordon gc needs it after a crash): " + e, e);
        }
    }

    public void remove(String name) throws IOException {
        Files.deleteIfExists(fileOf(name));
    }

    /** Every record file named like a session, by name; none if the directory does not exist. */
    public Map<String, Loaded> list() throws IOException {
        Map<String, Loaded> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!SessionCgroup.NAME.matcher(name).matches()) continue;
                try {
                    SessionRecord r = SessionRecord.parse(Files.readString(f, StandardCharsets.UTF_8));
                    if (!r.name().equals(name)) out.put(name, new Loaded(f, null, "it names another session (" + r.name() + ")"));
                    else out.put(name, new Loaded(f, r, null));
                } catch (IOException | IllegalArgumentException e) {
                    if (!Files.exists(f)) continue; // its session ended while we looked
                    out.put(name, new Loaded(f, null, String.valueOf(e.getMessage())));
                }
            }
        }
        return out;
    }
}
