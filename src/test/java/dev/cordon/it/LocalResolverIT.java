package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hosts where glibc does not send lookups straight to a DNS server ({@link ResolverHost}): a local
 * stub at 127.0.0.53 named in resolv.conf (systemd-resolved's layout), nscd, and systemd-resolved's
 * NSS module over varlink. Behind nscd or resolved a lookup never touches port 53, so cordon hides
 * their sockets from the command; each test first shows the daemon really answers without cordon.
 */
class LocalResolverIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final String LOOKUPS = "getent ahosts ok.test; echo \"OK rc=$?\"; getent ahosts api.blocked.test; echo \"BLOCKED rc=$?\"";

    private ResolverHost host(ResolverHost.Kind kind) {
        return new ResolverHost(kind, kernel.dir()).host("ok.test", "127.0.0.8").host("api.blocked.test", "127.0.0.9");
    }

    /** resolv.conf names the stub and no --upstream is given: cordon forwards to the stub, and still judges every name. */
    @Test
    void aLocalStubInResolvConfIsCordonsUpstreamAndEveryNameIsStillJudged() {
        ResolverHost stub = host(ResolverHost.Kind.STUB);
        CordonResult r = kernel.run(stub, List.of("run", "--deny", "blocked.test", "--", "sh", "-c", LOOKUPS));
        assertThat(r.stdout()).as("%s", r).contains("127.0.0.8", "OK rc=0", "BLOCKED rc=2").doesNotContain("127.0.0.9");
        assertBlockedAndNamed(r);
        assertThat(stub.stubWasAskedFor("ok.test")).as("cordon's upstream is the stub from resolv.conf").isTrue();
        assertThat(stub.stubWasAskedFor("api.blocked.test")).as("a blocked name is never forwarded").isFalse();
    }

    @ParameterizedTest
    @EnumSource(value = ResolverHost.Kind.class, names = {"NSCD", "RESOLVED"})
    void aLookupADaemonWouldAnswerReachesTheProxyAndABlockedNameIsNamed(ResolverHost.Kind kind) throws Exception {
        try (ResolverHost h = host(kind)) {
            String daemonsAnswer = kind == ResolverHost.Kind.NSCD ? "127.0.0.9" : ResolverHost.DAEMON_ANSWER;
            Host.Out control = Host.run(Duration.ofSeconds(30), h.wrap(List.of("getent", "ahosts", "api.blocked.test")).toArray(String[]::new));
            assertThat(control.out()).as("without cordon the daemon answers (the client's own resolv.conf names a dead server)\n%s%s",
                    control.out(), control.err()).contains(daemonsAnswer);

            CordonResult r = kernel.run(h, List.of("run", "--upstream", ResolverHost.STUB, "--deny", "blocked.test", "--", "sh", "-c",
                    LOOKUPS + "; curl -sS --max-time 5 http://api.blocked.test:8080/; echo \"CURL rc=$?\""));
            assertThat(r.stdout()).as("%s", r).contains("127.0.0.8", "OK rc=0", "BLOCKED rc=2", "CURL rc=6")
                    .doesNotContain(daemonsAnswer).doesNotContain(ResolverHost.DAEMON_ANSWER);
            assertBlockedAndNamed(r);
            assertThat(r.attemptLines(l -> l.words().contains("DNS") && l.get("cmd").startsWith("curl "))).as("%s", r).isNotEmpty()
                    .allSatisfy(l -> assertThat(l.get("domain")).isEqualTo("api.blocked.test."));
        }
    }

    private static void assertBlockedAndNamed(CordonResult r) {
        assertThat(r.attemptLines(l -> l.words().contains("DNS") && l.get("cmd").startsWith("getent "))).as("%s", r).isNotEmpty()
                .allSatisfy(l -> {
                    assertThat(l.words()).containsExactly("WARN", "DNS", "BLOCKED");
                    assertThat(l.get("domain")).isEqualTo("api.blocked.test.");
                    assertThat(l.get("cmd")).isEqualTo("getent ahosts api.blocked.test");
                    assertThat(l.get("pid")).matches("\\d+");
                });
    }
}
