package dev.cordon.session;

import dev.cordon.events.ExecDenial;
import dev.cordon.events.ExecDeniedEvent;
import dev.cordon.events.ProcessRef;
import dev.cordon.events.ProcessTable;
import dev.cordon.sys.Capability;
import dev.cordon.sys.FileCapabilities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which file a refused exec named, and whether its capabilities make cordon's dropped ones the reason. */
class ExecDenialsTest {
    private static final EnumSet<Capability> ENFORCE = EnumSet.of(Capability.SYS_ADMIN, Capability.NET_ADMIN, Capability.NET_RAW,
            Capability.BPF, Capability.PERFMON, Capability.SYS_MODULE, Capability.SYS_PTRACE, Capability.SYS_RAWIO);
    private static final FileCapabilities NET_RAW_EP = new FileCapabilities(2, true, Capability.NET_RAW.bit(), 0, 0);
    private static final ProcessTable.Attribution WHO = new ProcessTable.Attribution(42, 1, List.of("sh", "deploy.sh"), ProcessTable.Source.EXEC);

    @TempDir
    Path tmp;

    private final List<String> read = new ArrayList<>();

    /** A reader that knows the capabilities of a few paths and records which it was asked for. */
    private ExecDenials denials(java.util.Set<Capability> dropped, Map<String, FileCapabilities> files) {
        return new ExecDenials(dropped, path -> {
            read.add(path);
            if (!Files.exists(Path.of(path)) && !files.containsKey(path)) throw new IOException("getxattr " + path + ": No such file or directory");
            return Optional.ofNullable(files.get(path));
        }, tmp.resolve("proc"));
    }

    private static ExecDeniedEvent refused(int dirfd, int flags, String path) {
        return new ExecDeniedEvent(1, new ProcessRef(42, 42, "sh", 7), 1, 1, dirfd, flags, path, false);
    }

    private ExecDenial explain(ExecDenials d, ExecDeniedEvent e) {
        return d.explain(Instant.EPOCH, e, WHO);
    }

    @Test
    void aFileWhoseEffectiveCapabilitiesCordonDroppedIsExplained() {
        ExecDenial d = explain(denials(ENFORCE, Map.of("/usr/bin/ping", NET_RAW_EP)), refused(ExecDeniedEvent.AT_FDCWD, 0, "/usr/bin/ping"));
        assertThat(d.explained()).isTrue();
        assertThat(d.file()).isEqualTo("/usr/bin/ping");
        assertThat(d.fileCapabilities()).containsExactly("cap_net_raw");
        assertThat(d.droppedByCordon()).containsExactly("cap_net_raw");
        assertThat(d.unresolved()).isNull();
        assertThat(d.who()).isEqualTo(WHO);
    }

    @Test
    void aKeptCapabilityOrNoEffectiveBitOrNoCapabilitiesAreNotCordonsDoing() {
        EnumSet<Capability> kept = EnumSet.copyOf(ENFORCE);
        kept.remove(Capability.NET_RAW);
        assertThat(explain(denials(kept, Map.of("/usr/bin/ping", NET_RAW_EP)), refused(-100, 0, "/usr/bin/ping")).explained()).isFalse();

        FileCapabilities permittedOnly = new FileCapabilities(2, false, Capability.NET_RAW.bit(), 0, 0);
        ExecDenial notEffective = explain(denials(ENFORCE, Map.of("/opt/tool", permittedOnly)), refused(-100, 0, "/opt/tool"));
        assertThat(notEffective.explained()).isFalse();
        assertThat(notEffective.fileCapabilities()).containsExactly("cap_net_raw");

        ExecDenial none = explain(denials(ENFORCE, Map.of("/bin/true", new FileCapabilities(2, true, 0, 0, 0))), refused(-100, 0, "/bin/true"));
        assertThat(none.explained()).isFalse();
        assertThat(none.unresolved()).isNull();
    }

    @Test
    void aRelativePathIsFoundThroughTheProcesssWorkingDirectoryWhileItExists() throws IOException {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Files.writeString(work.resolve("tool"), "");
        Path pid = Files.createDirectories(tmp.resolve("proc/42"));
        Files.createSymbolicLink(pid.resolve("cwd"), work);
        String through = pid.resolve("cwd").resolve("./tool").toString();

        ExecDenial d = explain(denials(ENFORCE, Map.of(through, NET_RAW_EP)), refused(ExecDeniedEvent.AT_FDCWD, 0, "./tool"));

        assertThat(read).containsExactly(through);
        assertThat(d.file()).isEqualTo(work.resolve("tool").toString());
        assertThat(d.droppedByCordon()).containsExactly("cap_net_raw");

        // runs on the event thread: a path Java cannot name is unresolved, not an exception there
        ExecDenial unnamable = explain(denials(ENFORCE, Map.of()), refused(ExecDeniedEvent.AT_FDCWD, 0, "./a\0b"));
        assertThat(unnamable.unresolved()).startsWith("its path cannot be named on this host: ");
    }

    @Test
    void execveatRelativeToAnFdAndOfTheFdItself() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(bin.resolve("tool"), "");
        Path fds = Files.createDirectories(tmp.resolve("proc/42/fd"));
        Files.createSymbolicLink(fds.resolve("3"), bin);
        Files.createSymbolicLink(fds.resolve("4"), bin.resolve("tool"));

        ExecDenial relative = explain(denials(ENFORCE, Map.of(fds.resolve("3").resolve("tool").toString(), NET_RAW_EP)), refused(3, 0, "tool"));
        assertThat(relative.file()).isEqualTo(bin.resolve("tool").toString());
        assertThat(relative.explained()).isTrue();

        ExecDenial fexecve = explain(denials(ENFORCE, Map.of(fds.resolve("4").toString(), NET_RAW_EP)),
                refused(4, ExecDeniedEvent.AT_EMPTY_PATH, ""));
        assertThat(fexecve.file()).isEqualTo(bin.resolve("tool").toString());
        assertThat(fexecve.explained()).isTrue();
    }

    @Test
    void whatCannotBeFoundIsSaid() {
        ExecDenials d = denials(ENFORCE, Map.of());
        assertThat(explain(d, refused(ExecDeniedEvent.AT_FDCWD, 0, "./tool")).unresolved())
                .isEqualTo("it names the file through the working directory of pid 42, which has exited");
        assertThat(explain(d, refused(5, 0, "tool")).unresolved()).isEqualTo("it names the file through the fd 5 of pid 42, which has exited");
        assertThat(explain(d, new ExecDeniedEvent(1, new ProcessRef(42, 42, "sh", 7), 1, 1, -100, 0, "/" + "d".repeat(254), true)).unresolved())
                .isEqualTo("its path is longer than the kernel copied");
        assertThat(explain(d, refused(-100, 0, "")).unresolved()).isEqualTo("its path could not be read");
        ExecDenial gone = explain(d, refused(-100, 0, tmp.resolve("deleted").toString()));
        assertThat(gone.unresolved()).startsWith("cannot read its capabilities: getxattr ");
        assertThat(gone.file()).isEqualTo(tmp.resolve("deleted").toString());
        assertThat(read).as("nothing is read for a file that was not found").containsExactly(tmp.resolve("deleted").toString());
    }
}
