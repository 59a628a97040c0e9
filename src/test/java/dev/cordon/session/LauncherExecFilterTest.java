package dev.cordon.session;

import dev.cordon.events.EventSink;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.ProcessRef;
import dev.cordon.events.ProcessTable;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LauncherExecFilterTest {
    private static final Containment.Chain CHAIN = Containment.DEFAULT.chain(
            new ContainmentTools(java.nio.file.Path.of("/usr/bin/unshare"), java.nio.file.Path.of("/usr/bin/setpriv"),
                    java.nio.file.Path.of("/usr/bin/mount"), java.nio.file.Path.of("/usr/bin/umount")),
            java.util.Set.of(dev.cordon.sys.Capability.SYS_ADMIN), java.nio.file.Path.of("/sys/fs/cgroup/unified"),
            List.of(new Containment.V1View(java.nio.file.Path.of("/sys/fs/cgroup/memory"), "memory")),
            List.of(new dev.cordon.sys.LocalResolvers.Endpoint("nscd", java.nio.file.Path.of("/run/nscd"), true, "nscd")));
    private static final List<String> WRAPPER = CHAIN.argv();
    private static final List<String> COMMAND = List.of("curl", "-sS", "http://example.test/");

    private final List<List<String>> passed = new ArrayList<>();
    private final LauncherExecFilter filter = new LauncherExecFilter(new EventSink() {
        @Override
        public void attempt(NetAttempt attempt) {}

        @Override
        public void exec(Instant time, ExecEvent e, ProcessTable.Attribution who) {
            passed.add(e.argv());
        }
    }, CHAIN, COMMAND);

    private void exec(List<String> argv, boolean truncated) {
        filter.exec(Instant.EPOCH, new ExecEvent(0, new ProcessRef(10, 10, "x", 1), 1, argv, truncated, null, null), null);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void theChainsStepsAreHeldBackAndTheCommandPasses() {
        exec(concat(WRAPPER, COMMAND), false);
        exec(concat(WRAPPER.subList(CHAIN.stepStarts().get(1), WRAPPER.size()), COMMAND), false);
        exec(CHAIN.helpers().get(0), false);
        exec(CHAIN.helpers().get(1), false);
        exec(CHAIN.helpers().get(2), false);
        exec(CHAIN.helpers().get(3), false); // the memory v1 view: umount
        exec(CHAIN.helpers().get(4), false); // and mount
        exec(CHAIN.helpers().get(5), false); // hides /run/nscd
        exec(concat(WRAPPER.subList(CHAIN.stepStarts().get(2), WRAPPER.size()), COMMAND), false);
        exec(COMMAND, false);
        assertThat(passed).containsExactly(COMMAND);
    }

    @Test
    void theHelpersExitIsHeldBackButTheCommandsIsNot() {
        List<Integer> exits = new ArrayList<>();
        LauncherExecFilter f = new LauncherExecFilter(new EventSink() {
            @Override
            public void attempt(NetAttempt attempt) {}

            @Override
            public void exit(Instant time, dev.cordon.events.ExitEvent e, String task) {
                exits.add(e.process().pid());
            }
        }, CHAIN, COMMAND);
        f.exec(Instant.EPOCH, new ExecEvent(0, new ProcessRef(11, 11, "mount", 1), 10, CHAIN.helpers().get(1), false, null, null), null);
        f.exec(Instant.EPOCH, new ExecEvent(0, new ProcessRef(10, 10, "setpriv", 1), 1,
                concat(WRAPPER.subList(CHAIN.stepStarts().get(2), WRAPPER.size()), COMMAND), false, null, null), null);
        f.exit(Instant.EPOCH, new dev.cordon.events.ExitEvent(0, new ProcessRef(11, 11, "mount", 1), 10, 0), null);
        f.exit(Instant.EPOCH, new dev.cordon.events.ExitEvent(0, new ProcessRef(10, 10, "curl", 1), 1, 0), null);
        assertThat(exits).containsExactly(10);
    }

    @Test
    void aTruncatedCaptureOfAStepIsStillRecognised() {
        List<String> full = concat(WRAPPER, COMMAND);
        List<String> cut = new ArrayList<>(full.subList(0, 8));
        cut.set(7, Containment.MOUNT_STEP.substring(0, 20));
        exec(cut, true);
        assertThat(passed).isEmpty();
    }

    @Test
    void somethingMerelyAlikeIsNotHidden() {
        exec(List.of("/usr/bin/unshare", "--cgroup", "--mount", "--propagation=private", "--", "sh"), false);
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
            public void exec(Instant time, ExecEvent e, ProcessTable.Attribution who) {
                seen.add(e.argv());
            }
        }, new Containment.Chain(List.of(), List.of(), List.of()), COMMAND);
        none.exec(Instant.EPOCH, new ExecEvent(0, new ProcessRef(1, 1, "x", 1), 0, COMMAND, false, null, null), null);
        assertThat(seen).containsExactly(COMMAND);
    }

    @Test
    void aDeniedExecOfTheCommandIsTheCommandsNotSetprivs() {
        List<dev.cordon.events.ExecDenial> denied = new ArrayList<>();
        LauncherExecFilter f = new LauncherExecFilter(new EventSink() {
            @Override
            public void attempt(NetAttempt attempt) {}

            @Override
            public void execDenied(dev.cordon.events.ExecDenial d) {
                denied.add(d);
            }
        }, CHAIN, COMMAND);
        var event = new dev.cordon.events.ExecDeniedEvent(0, new ProcessRef(10, 10, "setpriv", 1), 9, 1, -100, 0, "/usr/bin/curl", false);
        List<String> setpriv = concat(WRAPPER.subList(CHAIN.stepStarts().get(2), WRAPPER.size()), COMMAND);
        var source = dev.cordon.events.ProcessTable.Source.EXEC;
        var setprivExe = new dev.cordon.events.Executable("/usr/bin/setpriv", dev.cordon.events.Executable.Source.EXEC, false);
        var bashExe = new dev.cordon.events.Executable("/usr/bin/bash", dev.cordon.events.Executable.Source.EXEC, false);
        f.execDenied(new dev.cordon.events.ExecDenial(Instant.EPOCH, event,
                new dev.cordon.events.ProcessTable.Attribution(10, 9, setpriv, source, null, setprivExe),
                "/usr/bin/curl", List.of(), List.of(), null));
        List<String> script = List.of("bash", "deploy.sh");
        f.execDenied(new dev.cordon.events.ExecDenial(Instant.EPOCH, event,
                new dev.cordon.events.ProcessTable.Attribution(11, 10, script, source, null, bashExe),
                "/usr/bin/curl", List.of(), List.of(), null));
        assertThat(denied).extracting(d -> d.who().argv()).containsExactly(COMMAND, script);
        assertThat(denied.getFirst().who().pid()).isEqualTo(10);
        assertThat(denied).extracting(d -> d.who().exe()).as("setpriv's file would mislead; the script's stays")
                .containsExactly(null, bashExe);
    }
}
