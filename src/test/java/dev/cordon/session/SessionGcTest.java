package dev.cordon.session;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Which sessions gc takes for orphans, on made-up directories and a made-up process table. */
class SessionGcTest {
    @TempDir
    Path tmp;
    Path cgroups, pins;
    SessionRecords records;
    final Map<Long, Long> running = new HashMap<>(); // pid → start time
    SessionGc gc;

    @BeforeEach
    void setUp() throws IOException {
        cgroups = Files.createDirectory(tmp.resolve("cgroup2"));
        pins = Files.createDirectory(tmp.resolve("bpf"));
        records = new SessionRecords(tmp.resolve("sessions"));
        gc = new SessionGc(cgroups, pins, records, pid -> running.containsKey(pid) ? OptionalLong.of(running.get(pid)) : OptionalLong.empty());
    }

    private SessionRecord session(long pid, long start, String hex) throws IOException {
        String name = "cordon-" + pid + "-" + hex;
        Files.createDirectory(cgroups.resolve(name));
        Files.writeString(Files.createDirectory(pins.resolve(name)).resolve("cordon_connect4"), "");
        SessionRecord r = new SessionRecord(name, pid, start, cgroups.resolve(name), pins.resolve(name), pid + 1);
        records.write(r);
        return r;
    }

    @Test
    void aSessionOfARunningCordonIsLeftAlone() throws IOException {
        session(100, 5000, "aa");
        running.put(100L, 5000L);
        SessionGc.Scan scan = gc.scan();
        assertThat(scan.orphans()).isEmpty();
        assertThat(scan.live()).singleElement().asString().contains("cordon-100-aa").contains("left alone");
    }

    @Test
    void aDeadOwnerOrAReusedPidMakesAnOrphanWithAllItsParts() throws IOException {
        SessionRecord dead = session(100, 5000, "aa");
        SessionRecord reused = session(200, 6000, "bb");
        running.put(200L, 9999L); // pid 200 now belongs to a later process
        SessionGc.Scan scan = gc.scan();
        assertThat(scan.orphans()).extracting(SessionGc.Leftover::name).containsExactly(dead.name(), reused.name());
        SessionGc.Leftover l = scan.orphans().getFirst();
        assertThat(l.cgroup()).isEqualTo(dead.cgroup());
        assertThat(l.pinDir()).isEqualTo(dead.pinDir());
        assertThat(l.recordFile()).isEqualTo(records.fileOf(dead.name()));
        assertThat(SessionGc.describe(l)).contains("kill 0 process(es) and remove cgroup " + dead.cgroup(),
                "unpin 1 pin(s) in " + dead.pinDir(), "remove record");
    }

    @Test
    void withoutARecordThePidInTheNameDecides() throws IOException {
        Files.createDirectory(cgroups.resolve("cordon-300-cc"));
        Files.createDirectory(pins.resolve("cordon-400-dd"));
        running.put(300L, 1L);
        SessionGc.Scan scan = gc.scan();
        assertThat(scan.live()).singleElement().asString().contains("cordon-300-cc", "no record");
        assertThat(scan.orphans()).singleElement().satisfies(l -> {
            assertThat(l.name()).isEqualTo("cordon-400-dd");
            assertThat(l.cgroup()).isNull();
            assertThat(l.pinDir()).isEqualTo(pins.resolve("cordon-400-dd"));
            assertThat(l.why()).contains("no record");
        });
    }

    @Test
    void aRecordNamingPathsElsewhereIsNotFollowed() throws IOException {
        records.write(new SessionRecord("cordon-500-ee", 500, 1, Path.of("/sys/fs/cgroup/unified/system.slice"),
                pins.resolve("cordon-500-ee"), 501));
        SessionGc.Scan scan = gc.scan();
        assertThat(scan.orphans()).isEmpty();
        assertThat(scan.notes()).singleElement().asString().contains("not touching it");
    }

    @Test
    void anUnreadableRecordIsReportedAndCleanedByTheNamesPid() throws IOException {
        Files.createDirectories(records.dir());
        Files.writeString(records.fileOf("cordon-600-ff"), "half a rec");
        SessionGc.Scan scan = gc.scan();
        assertThat(scan.notes()).singleElement().asString().contains("unreadable record");
        assertThat(scan.orphans()).singleElement().satisfies(l -> assertThat(l.recordFile()).isEqualTo(records.fileOf("cordon-600-ff")));
    }

    @Test
    void otherNamesAreNeverTouched() throws IOException {
        Files.createDirectory(cgroups.resolve("system.slice"));
        Files.createDirectory(cgroups.resolve("cordon-notapid-aa"));
        Files.createDirectory(pins.resolve("someone-elses"));
        assertThat(gc.scan().orphans()).isEmpty();
    }

    @Test
    void cleaningPinsAndRecordRemovesThem() throws IOException {
        SessionRecord r = session(700, 1, "ab");
        Files.delete(r.cgroup()); // a plain directory here; the IT cleans real cgroups
        SessionGc.Leftover l = gc.scan().orphans().getFirst();
        List<String> done = gc.clean(l);
        assertThat(done).hasSize(2);
        assertThat(r.pinDir()).doesNotExist();
        assertThat(records.fileOf(r.name())).doesNotExist();
        assertThat(gc.scan().orphans()).isEmpty();
    }
}
