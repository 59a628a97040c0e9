package dev.cordon.events;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The stderr line for an exec that cordon's dropped capabilities made fail, and when there is none. */
class ExecDenialNoticeTest {
    private static final ProcessTable.Attribution WHO = new ProcessTable.Attribution(42, 1, List.of("bash", "deploy.sh"), ProcessTable.Source.EXEC);

    private static ExecDenial denial(String path, String file, List<String> caps, List<String> dropped, String unresolved) {
        ExecDeniedEvent e = new ExecDeniedEvent(1, new ProcessRef(42, 42, "bash", 7), 1, 1, ExecDeniedEvent.AT_FDCWD, 0, path, false);
        return new ExecDenial(Instant.EPOCH, e, WHO, file, caps, dropped, unresolved);
    }

    @Test
    void namesTheBinaryTheCapabilityAndTheOptionThatKeepsIt() {
        assertThat(ExecDenialNotice.line(denial("/usr/bin/ping", "/usr/bin/ping", List.of("cap_net_raw"), List.of("cap_net_raw"), null)))
                .isEqualTo("cordon: /usr/bin/ping cannot start: its file capabilities need cap_net_raw, which cordon drops from "
                        + "the command; keep it with --keep-cap net_raw");
        assertThat(ExecDenialNotice.line(denial("/opt/t", "/opt/t", List.of("cap_net_admin", "cap_net_raw", "cap_bpf"),
                List.of("cap_net_admin", "cap_net_raw", "cap_bpf"), null)))
                .isEqualTo("cordon: /opt/t cannot start: its file capabilities need cap_net_admin, cap_net_raw and cap_bpf, which "
                        + "cordon drops from the command; keep them with --keep-cap net_admin --keep-cap net_raw --keep-cap bpf");
    }

    @Test
    void aPathIsAnUntrustedStringAndIsEscaped() {
        String evil = "/tmp/x\u001b]0;owned\u0007\nWARN CONNECT ALLOWED";
        String line = ExecDenialNotice.line(denial(evil, evil, List.of("cap_net_raw"), List.of("cap_net_raw"), null));
        assertThat(line).doesNotContain("\u001b", "\u0007", "\n").contains("/tmp/x\\x1b]0;owned\\x07\\nWARN CONNECT ALLOWED cannot start");
    }

    @Test
    void saysWhenItCannotTellAndIsSilentWhenCordonIsNotWhy() {
        assertThat(ExecDenialNotice.line(denial("./tool", null, List.of(), List.of(),
                "it names the file through the working directory of pid 42, which has exited")))
                .isEqualTo("cordon: pid 42 could not exec ./tool (Operation not permitted); cordon cannot tell whether the "
                        + "capabilities it drops are why: it names the file through the working directory of pid 42, which has exited");
        assertThat(ExecDenialNotice.line(denial("/usr/bin/ping", "/usr/bin/ping", List.of("cap_net_raw"), List.of(), null)))
                .as("net_raw kept: another reason, not cordon's").isNull();
        assertThat(ExecDenialNotice.line(denial("/bin/su", "/bin/su", List.of(), List.of(), null))).isNull();
    }

    @Test
    void eachFileIsNamedOnce() {
        StringWriter out = new StringWriter();
        ExecDenialNotice notice = new ExecDenialNotice(new PrintWriter(out));
        for (int i = 0; i < 3; i++) {
            notice.execDenied(denial("/usr/bin/ping", "/usr/bin/ping", List.of("cap_net_raw"), List.of("cap_net_raw"), null));
        }
        notice.execDenied(denial("/bin/su", "/bin/su", List.of(), List.of(), null));
        assertThat(out.toString().lines()).singleElement().asString().startsWith("cordon: /usr/bin/ping cannot start:");
    }

    @Test
    void theEventsFileRecordCarriesTheFileAndItsCapabilities() {
        String json = Formats.json(denial("/usr/bin/ping", "/usr/bin/ping", List.of("cap_net_raw"), List.of("cap_net_raw"), null));
        assertThat(json).startsWith("{\"time\":\"1970-01-01T00:00:00Z\",\"type\":\"exec-denied\",\"pid\":42,\"tid\":42,\"ppid\":1,")
                .contains("\"cmd\":\"bash deploy.sh\"", "\"path\":\"/usr/bin/ping\"", "\"pathTruncated\":false",
                        "\"file\":\"/usr/bin/ping\"", "\"errno\":1", "\"fileCapabilities\":[\"cap_net_raw\"]",
                        "\"droppedByCordon\":[\"cap_net_raw\"]")
                .doesNotContain("unresolved", "dirfd").endsWith("\"cgroupId\":7}");
        String unresolved = Formats.json(denial("./tool", null, List.of(), List.of(), "pid 42 has exited"));
        assertThat(unresolved).contains("\"file\":null", "\"unresolved\":\"pid 42 has exited\"", "\"droppedByCordon\":[]");
    }
}
