package dev.cordon.session;

import dev.cordon.events.EventSink;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.ProcessRef;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LauncherExecFilterTest {
    private static final List<String> WRAPPER = List.of("/usr/bin/unshare", "--cgroup", "--",
            "/usr/bin/setpriv", "--bounding-set=-sys_admin", "--inh-caps=-all", "--ambient-caps=-all", "--");
    private static final List<String> COMMAND = List.of("curl", "-sS", "http://example.test/");

    private final List<List<String>> passed = new ArrayList<>();
    private final LauncherExecFilter filter = new LauncherExecFilter(new EventSink() {
        @Override
        public void attempt(NetAttempt attempt) {}

        @Override
        public void exec(Instant time, ExecEvent e) {
            passed.add(e.argv());
        }
    }, WRAPPER, COMMAND);

    private void exec(List<String> argv, boolean truncated) {
        filter.exec(Instant.EPOCH, new ExecEvent(0, new ProcessRef(10, 10, "x", 1), 1, argv, truncated));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void theChainsStepsAreHeldBackAndTheCommandPasses() {
        exec(concat(WRAPPER, COMMAND), false);
        exec(concat(WRAPPER.subList(3, WRAPPER.size()), COMMAND), false);
        exec(COMMAND, false);
        assertThat(passed).containsExactly(COMMAND);
    }

    @Test
    void aTruncatedCaptureOfAStepIsStillRecognised() {
        List<String> full = concat(WRAPPER, COMMAND);
        List<String> cut = new ArrayList<>(full.subList(0, 5));
        cut.set(4, "--bounding-se");
        exec(cut, true);
        assertThat(passed).isEmpty();
    }

    @Test
    void somethingMerelyAlikeIsNotHidden() {
        exec(List.of("/usr/bin/unshare", "--cgroup", "--", "sh"), false);
        exec(concat(WRAPPER, List.of("curl")), false); // same chain, another command
        exec(List.of("/usr/bin/setpriv"), true);       // truncated, but empty-prefix tricks do not count either
        assertThat(passed).hasSize(2);
        exec(List.of(), true);
        assertThat(passed).hasSize(3);
    }

    @Test
    void withoutAChainNothingIsHeldBack() {
        List<List<String>> seen = new ArrayList<>();
        LauncherExecFilter none = new LauncherExecFilter(new EventSink() {
            @Override
            public void attempt(NetAttempt attempt) {}

            @Override
            public void exec(Instant time, ExecEvent e) {
                seen.add(e.argv());
            }
        }, List.of(), COMMAND);
        none.exec(Instant.EPOCH, new ExecEvent(0, new ProcessRef(1, 1, "x", 1), 0, COMMAND, false));
        assertThat(seen).containsExactly(COMMAND);
    }
}
