package dev.cordon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DNS rebinding: an allowed public name answered with the cloud metadata address and another with
 * a loopback address. With --block-private-answers both are refused and their addresses are not
 * learned (under an allowlist with --loopback rules, a connect to 127.0.0.2 then fails with EPERM);
 * without it both resolve and the connect succeeds. Nothing connects to 169.254.169.254.
 */
class PrivateAnswersIT {
    static final String REBIND_IP = "127.0.0.2";
    @TempDir
    static Path worldDir;
    @TempDir
    static Path scripts;
    @TempDir
    Path dir;
    static Dnsmasq dns;
    static Path connect;
    static Path resolve;
    static ServerSocket web;

    @BeforeAll
    static void start() throws IOException {
        connect = Host.script(scripts, "connect.py");
        resolve = Host.script(scripts, "resolve.py");
        web = new ServerSocket();
        web.bind(new InetSocketAddress(InetAddress.getByName(REBIND_IP), 0), 16);
        dns = new Dnsmasq().host("metadata.rebind.test", "169.254.169.254").host("local.rebind.test", REBIND_IP)
                .host("public.rebind.test", "192.0.2.80").start(worldDir);
    }

    @AfterAll
    static void stop() throws IOException {
        if (dns != null) dns.close();
        if (web != null) web.close();
    }

    private GuardedRun.Result run(String... extra) {
        return GuardedRun.cordon(dir, dns).opt("--default", "deny", "--loopback", "rules", "--allow", "rebind.test").opt(extra)
                .sh("""
                        echo "== names"; /usr/bin/python3 %1$s metadata.rebind.test local.rebind.test public.rebind.test
                        echo "== connect"; /usr/bin/python3 %2$s %3$s %4$d
                        true
                        """.formatted(resolve, connect, REBIND_IP, web.getLocalPort()));
    }

    @Test
    void withTheFlagBothAreRefusedAndNothingIsLearned() {
        GuardedRun.Result r = run("--block-private-answers");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("names")).as(r.toString()).contains("metadata.rebind.test error=EAI_NONAME")
                .contains("local.rebind.test error=EAI_NONAME").contains("public.rebind.test ok 192.0.2.80");
        assertThat(r.section("connect")).as(r.toString()).startsWith("connect errno=EPERM");
        for (String name : new String[] {"metadata.rebind.test.", "local.rebind.test."}) {
            assertThat(r.dns("BLOCKED", name)).as(name + "\n" + r).isNotEmpty().allSatisfy(v -> {
                assertThat(v.get("reason")).isEqualTo("PrivateAnswer");
                assertThat(v.get("rule")).isEqualTo("dns:private-answer");
                assertThat(v.get("cmd")).isEqualTo("/usr/bin/python3 " + resolve
                        + " metadata.rebind.test local.rebind.test public.rebind.test");
                assertThat(v.pid()).isPositive();
            });
        }
        assertThat(r.lines("CONNECT", "BLOCKED")).singleElement().satisfies(v -> {
            assertThat(v.get("ip")).isEqualTo(REBIND_IP);
            assertThat(v.get("rule")).as("not learned from the refused answer").isEqualTo("default:deny");
        });
    }

    @Test
    void withoutTheFlagBothResolveAndTheLoopbackAnswerIsLearned() {
        GuardedRun.Result r = run();
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.section("names")).as(r.toString()).contains("metadata.rebind.test ok 169.254.169.254")
                .contains("local.rebind.test ok " + REBIND_IP);
        assertThat(r.section("connect")).as(r.toString()).startsWith("connect ok");
        assertThat(r.where(v -> "PrivateAnswer".equals(v.get("reason")))).isEmpty();
    }
}
