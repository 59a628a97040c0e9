package dev.cordon.it;

import dev.cordon.sys.Capability;
import dev.cordon.sys.FileCapabilities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A binary whose file capabilities are effective and permit a capability cordon drops from the
 * command cannot be exec'd at all: the kernel says EPERM and nothing more. cordon says which file,
 * which capability, and which --keep-cap brings it back, whichever process of the session tried.
 * Debian's iputils-ping is such a binary (cap_net_raw=ep; bin/setup installs it).
 */
class ExecCapabilitiesIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    /** cap_net_admin=ep as setcap writes it: revision 2, effective, permitted bit 12. */
    private static final String NET_ADMIN_EP = "0100000200100000000000000000000000000000";

    /** Where the launcher's execvp will find ping, checked to carry cap_net_raw=ep. */
    private static String ping() throws Exception {
        String path = Arrays.stream(System.getenv("PATH").split(":")).map(d -> Path.of(d, "ping"))
                .filter(Files::isExecutable).findFirst().map(Path::toString)
                .orElseThrow(() -> new AssertionError("no ping on PATH: bin/setup installs iputils-ping"));
        FileCapabilities caps = FileCapabilities.of(path).orElseThrow(() -> new AssertionError(
                path + " has no file capabilities (a setuid ping?): this test needs Debian's cap_net_raw=ep ping"));
        assertThat(caps.requiredAtExec()).as("%s is cap_net_raw=ep", path).isTrue();
        assertThat(caps.permittedSet()).as(path).containsExactly(Capability.NET_RAW);
        return path;
    }

    private static String cannotStart(String file, String cap) {
        return "cordon: " + file + " cannot start: its file capabilities need cap_" + cap
                + ", which cordon drops from the command; keep it with --keep-cap " + cap;
    }

    @Test
    void pingCannotStartInEnforceModeAndCordonSaysWhy() throws Exception {
        String ping = ping();

        Path events = kernel.dir().resolve("events.jsonl");

        CordonResult r = kernel.run("run", "--no-summary", "--events", events.toString(), "--", "ping", "-c1", "-W1", "127.0.0.1");

        assertThat(r.exitCode()).as("%s", r).isEqualTo(126);
        assertThat(r.stderrLines()).as("%s", r).containsOnlyOnce(cannotStart(ping, "net_raw"));
        List<Map<String, String>> records = JsonLines.read(events);
        String rootPid = JsonLines.ofType(records, "run-end").getFirst().get("rootPid");
        assertThat(JsonLines.ofType(records, "exec-denied")).singleElement().satisfies(d ->
                assertThat(d).as("the command's, not cordon's launcher's").containsEntry("cmd", "ping -c1 -W1 127.0.0.1")
                        .containsEntry("pid", rootPid).containsEntry("droppedByCordon", "[\"cap_net_raw\"]"));
    }

    @Test
    void aScriptWhoseChildCannotExecPingIsToldToo() throws Exception {
        String ping = ping();
        Path events = kernel.dir().resolve("events.jsonl");

        CordonResult r = kernel.run("run", "--no-summary", "--events", events.toString(), "--",
                "bash", "-c", "ping -c1 -W1 127.0.0.1; echo \"ping exited $?\"; ping -c1 -W1 127.0.0.1; true");

        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdoutLines()).as("%s", r).contains("ping exited 126");
        assertThat(r.stderrLines()).as("said once per file, however often it fails\n%s", r).containsOnlyOnce(cannotStart(ping, "net_raw"));
        List<Map<String, String>> denied = JsonLines.ofType(JsonLines.read(events), "exec-denied");
        assertThat(denied).as("the events file has each attempt").hasSize(2).allSatisfy(d -> {
            assertThat(d).containsEntry("path", ping).containsEntry("file", ping).containsEntry("errno", "1")
                    .containsEntry("fileCapabilities", "[\"cap_net_raw\"]").containsEntry("droppedByCordon", "[\"cap_net_raw\"]")
                    .containsEntry("comm", "bash");
            assertThat(d.get("cmd")).startsWith("bash -c ping -c1");
        });
        List<Map<String, String>> execs = JsonLines.ofType(JsonLines.read(events), "exec");
        assertThat(execs).as("the failed execs are not exec records").noneMatch(e -> e.get("argv").contains("\"ping\""));
    }

    @Test
    void auditModeKeepsNetRawButStillDropsNetAdmin() throws Exception {
        Path tool = kernel.dir().resolve("net-admin-tool");
        Files.copy(Path.of("/bin/true"), tool, StandardCopyOption.COPY_ATTRIBUTES);
        Host.run(Duration.ofSeconds(30), kernel.netclient().getFirst(), "-c",
                "import os, sys; os.setxattr(sys.argv[1], 'security.capability', bytes.fromhex(sys.argv[2]))",
                tool.toString(), NET_ADMIN_EP).requireOk("setxattr security.capability");
        assertThat(FileCapabilities.of(tool.toString())).as("this filesystem keeps security.capability")
                .hasValueSatisfying(c -> assertThat(c.missingAtExec(java.util.Set.of(Capability.NET_ADMIN))).containsExactly(Capability.NET_ADMIN));

        CordonResult r = kernel.run("run", "--no-summary", "--mode", "audit", "--", tool.toString());

        assertThat(r.exitCode()).as("%s", r).isEqualTo(126);
        assertThat(r.stderrLines()).as("%s", r).containsOnlyOnce(cannotStart(tool.toString(), "net_admin"));

        CordonResult kept = kernel.run("run", "--no-summary", "--mode", "audit", "--keep-cap", "net_admin", "--", tool.toString());
        assertThat(kept.exitCode()).as("%s", kept).isZero();
        assertThat(kept.stderr()).doesNotContain("cannot start");
    }

    @Test
    void keepCapNetRawLetsPingStartAndItsEchoIsJudgedLikeAnyOther() throws Exception {
        ping();
        Path events = kernel.dir().resolve("events.jsonl");
        try (Sysctl open = Sysctl.set(Sysctl.PING_GROUP_RANGE, Sysctl.PING_OPEN)) {
            CordonResult r = kernel.run("run", "--no-summary", "--keep-cap", "net_raw", "--events", events.toString(), "--",
                    "ping", "-c1", "-W2", "127.0.0.1");

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stdout()).contains("1 received");
            assertThat(r.stderr()).doesNotContain("cannot start");
            List<Map<String, String>> echoes = JsonLines.ofType(JsonLines.read(events), "sendmsg");
            assertThat(echoes).as("ping's echo went through a ping socket and was judged in egress").singleElement().satisfies(e ->
                    assertThat(e).containsEntry("proto", "icmp").containsEntry("ip", "127.0.0.1").containsEntry("verdict", "allowed")
                            .containsEntry("comm", "ping").containsEntry("cmd", "ping -c1 -W2 127.0.0.1"));
        }
    }
}
