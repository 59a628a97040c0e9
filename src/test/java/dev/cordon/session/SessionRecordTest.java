package dev.cordon.session;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionRecordTest {
    static final String NAME = "cordon-4242-0a1b2c3d";
    static final SessionRecord RECORD = new SessionRecord(NAME, 4242, 987654, Path.of("/sys/fs/cgroup/unified", NAME),
            Path.of("/sys/fs/bpf/cordon", NAME), 4243);

    @Test
    void formatAndParseRoundTrip() {
        assertThat(RECORD.format()).contains("owner.pid=4242\n", "owner.start=987654\n", "watchdog.pid=4243\n");
        assertThat(SessionRecord.parse(RECORD.format())).isEqualTo(RECORD);
    }

    @Test
    void limitDirectoriesRoundTripAndMustBeTheSessionsOwn() {
        SessionRecord withLimits = new SessionRecord(NAME, 4242, 987654, RECORD.cgroup(), RECORD.pinDir(), 4243,
                java.util.List.of(Path.of("/sys/fs/cgroup/memory/box", NAME), Path.of("/sys/fs/cgroup/pids", NAME)), null);
        assertThat(withLimits.format()).contains("limits.0=/sys/fs/cgroup/memory/box/" + NAME + "\n", "limits.1=/sys/fs/cgroup/pids/" + NAME);
        assertThat(SessionRecord.parse(withLimits.format())).isEqualTo(withLimits);
        assertThatThrownBy(() -> new SessionRecord(NAME, 1, 1, RECORD.cgroup(), RECORD.pinDir(), 2,
                java.util.List.of(Path.of("/sys/fs/cgroup/memory")), null)).hasMessageContaining("named " + NAME);
    }

    @Test
    void aGuardsRecordKeepsItsOnExitAndDnsPort() {
        SessionRecord guard = new SessionRecord(NAME, 4242, 987654, Path.of("/sys/fs/cgroup/unified/deploy"), RECORD.pinDir(), 4243,
                java.util.List.of(), new SessionRecord.GuardInfo(SessionRecord.OnExit.RELEASE, 0, ""));
        assertThat(guard.format()).contains("guard.on-exit=release\n", "guard.dns-port=0\n");
        assertThat(SessionRecord.parse(guard.format())).isEqualTo(guard);
        SessionRecord listening = guard.withProxy(40053, "00ff".repeat(8));
        assertThat(SessionRecord.parse(listening.format()).guard())
                .isEqualTo(new SessionRecord.GuardInfo(SessionRecord.OnExit.RELEASE, 40053, "00ff".repeat(8)));
        assertThatThrownBy(() -> guard.withProxy(40053, "x\nowner.pid=1")).hasMessageContaining("chain token");
        assertThat(SessionRecord.parse(RECORD.format()).guard()).as("a run's record has no guard part").isNull();
        assertThatThrownBy(() -> SessionRecord.parse(guard.format().replace("on-exit=release", "on-exit=later")))
                .hasMessageContaining("closed or release");
    }

    @Test
    void unknownKeysAreIgnoredSoNewerVersionsCanAddSome() {
        assertThat(SessionRecord.parse(RECORD.format() + "future.key=x\n")).isEqualTo(RECORD);
    }

    @Test
    void badRecordsSayWhatIsWrong() {
        assertThatThrownBy(() -> SessionRecord.parse(RECORD.format().replace("owner.start=987654\n", "")))
                .hasMessage("no owner.start");
        assertThatThrownBy(() -> SessionRecord.parse(RECORD.format().replace("owner.pid=4242", "owner.pid=x")))
                .hasMessage("owner.pid is not a number");
        assertThatThrownBy(() -> SessionRecord.parse(RECORD.format() + "owner.pid=1\n")).hasMessageContaining("owner.pid given twice");
        assertThatThrownBy(() -> SessionRecord.parse(RECORD.format().replace("version=1", "version=9"))).hasMessage("unknown version 9");
        assertThatThrownBy(() -> SessionRecord.parse("garbage")).hasMessage("line 1 is not key=value");
        assertThatThrownBy(() -> SessionRecord.parse(RECORD.format().replace("name=" + NAME, "name=../../etc")))
                .hasMessageContaining("not a session name");
        assertThatThrownBy(() -> SessionRecord.parse(RECORD.format().replace("cgroup=/", "cgroup=")))
                .hasMessageContaining("absolute");
    }

    @Test
    void theOwnerIsAliveOnlyWithTheSamePidAndStartTime() {
        assertThat(RECORD.ownerAlive(pid -> pid == 4242 ? OptionalLong.of(987654) : OptionalLong.empty())).isTrue();
        assertThat(RECORD.ownerAlive(pid -> OptionalLong.of(1_000_000))).as("pid reused by a later process").isFalse();
        assertThat(RECORD.ownerAlive(pid -> OptionalLong.empty())).as("no such process").isFalse();
    }

    @Test
    void startTimeIsField22CountedAfterTheLastParenthesisOfComm() {
        String fields = " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 470824 20 21";
        assertThat(ProcessStart.parseStat("27223 (java)" + fields)).hasValue(470824);
        assertThat(ProcessStart.parseStat("27223 (a) b (c))" + fields)).as("comm with spaces and parentheses").hasValue(470824);
        assertThat(ProcessStart.parseStat("27223 (sh)" + fields.replace(" S ", " Z "))).as("a zombie is gone").isEmpty();
        assertThat(ProcessStart.parseStat("27223 (sh) S 1 2")).isEmpty();
        assertThat(ProcessStart.parseStat("nonsense")).isEmpty();
    }

    @Test
    void thisProcessHasAStartTimeAndItsRecordSaysItIsAlive() {
        SessionRecord mine = SessionRecord.forThisProcess("cordon-" + ProcessHandle.current().pid() + "-ff",
                Path.of("/cg/x"), Path.of("/pins/x"), 1, java.util.List.of(), null);
        assertThat(mine.ownerAlive(ProcessStart.PROC)).isTrue();
        assertThat(ProcessStart.of(-1)).isEmpty();
    }

    @Test
    void sessionNamesAreStrict() {
        assertThat(SessionCgroup.NAME.matcher(SessionCgroup.newName()).matches()).isTrue();
        for (String bad : Map.of("a", "cordon-12", "b", "cordon-x-ab", "c", "cordon-1-AB", "d", "cordon-1-ab/..").values()) {
            assertThat(SessionCgroup.NAME.matcher(bad).matches()).as(bad).isFalse();
        }
    }
}
