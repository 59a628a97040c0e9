package dev.cordon.cli;

import dev.cordon.session.SessionGc;
import dev.cordon.session.SessionRecord;
import dev.cordon.session.SessionRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

class GcCommandTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    private Result gc(boolean root, String... args) throws IOException {
        Path cgroups = Files.createDirectories(tmp.resolve("cgroup2"));
        Path pins = Files.createDirectories(tmp.resolve("bpf"));
        SessionRecords records = new SessionRecords(tmp.resolve("sessions"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true));
        GcCommand cmd = cl.getSubcommands().get("gc").getCommand();
        cmd.privileged = () -> root;
        cmd.gcFactory = () -> new SessionGc(cgroups, pins, records, pid -> OptionalLong.empty());
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void needsRoot() throws IOException {
        Result r = gc(false, "gc");
        assertThat(r.code()).isEqualTo(125);
        assertThat(r.err()).contains("cordon gc needs root");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void nothingToCleanIsSuccess() throws IOException {
        Result r = gc(true, "gc");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("nothing to clean\n");
    }

    @Test
    void dryRunListsAndChangesNothingThenGcCleans() throws IOException {
        String name = "cordon-77-abcd";
        Path pinDir = Files.createDirectories(tmp.resolve("bpf").resolve(name));
        Files.writeString(pinDir.resolve("cordon_egress"), "");
        SessionRecords records = new SessionRecords(tmp.resolve("sessions"));
        records.write(new SessionRecord(name, 77, 1, tmp.resolve("cgroup2").resolve(name), pinDir, 78));

        Result dry = gc(true, "gc", "--dry-run");
        assertThat(dry.code()).isZero();
        assertThat(dry.out()).contains("would clean session " + name + " (its cordon (pid 77) is gone): unpin 1 pin(s)")
                .contains("1 session(s) to clean");
        assertThat(pinDir.resolve("cordon_egress")).exists();
        assertThat(records.fileOf(name)).exists();

        Result real = gc(true, "gc");
        assertThat(real.code()).as(real.err()).isZero();
        assertThat(real.out()).contains("cleaning session " + name, "unpinned 1 pin(s)", "removed record");
        assertThat(pinDir).doesNotExist();
        assertThat(records.fileOf(name)).doesNotExist();
    }
}
