package dev.cordon.demo;

import dev.cordon.dns.DnsProxy;
import dev.cordon.dns.DnsService;
import dev.cordon.dns.LearnedAddresses;
import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import dev.cordon.policy.OutageStyle;
import dev.cordon.session.CommandLauncher;
import dev.cordon.session.Session;
import dev.cordon.session.SessionOptions;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * `cordon demo`: the GitHub scenario end to end. A deploy script downloads a tool from github.com
 * (through a CNAME to githubusercontent.com) and calls an internal API. Audit mode shows the
 * hidden dependency; enforce mode makes the script fail at once instead of hanging on a dead site.
 */
public final class Demo {
    private final PrintWriter out;
    private final PrintWriter err;

    public Demo(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    public int run() throws IOException {
        Path dir = Files.createTempDirectory("cordon-demo-");
        try (DemoWorld world = DemoWorld.start(dir)) {
            Path script = dir.resolve("deploy.sh");
            Files.writeString(script, scriptFor(world.httpPort()));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            List<DomainPattern> blocked = List.of(DomainPattern.parse("github.com"), DomainPattern.parse("githubusercontent.com"));

            say("""
                    cordon demo: GitHub's deployment scenario, entirely on loopback.
                      DNS server : dnsmasq on 127.0.0.1:%d answering github.com, api.github.com,
                                   objects.githubusercontent.com, %s (CNAME to it) and deploy-api.internal
                      web servers: 127.0.0.10-12 port %d
                      script     : %s (examples/deploy.sh)
                      policy     : --deny github.com --deny githubusercontent.com
                    """.formatted(world.dnsPort(), DemoWorld.CNAME_ALIAS, world.httpPort(), script));
            say(scriptFor(world.httpPort()).indent(4));

            say("== 1. audit mode: the script runs as usual; cordon reports what would be blocked ==");
            say("$ cordon run --mode audit --deny github.com --deny githubusercontent.com -- " + script);
            int audit = session(script, Mode.AUDIT, blocked, OutagePlan.NONE, world.dnsPort());
            say("-> exit " + audit + ": the deploy worked, and depended on github.com without anyone knowing.\n");

            say("== 2. enforce mode: as during a github.com outage, but failing at once ==");
            say("$ cordon run --deny github.com --deny githubusercontent.com -- " + script);
            long start = System.nanoTime();
            int enforce = session(script, Mode.ENFORCE, blocked, OutagePlan.NONE, world.dnsPort());
            long ms = (System.nanoTime() - start) / 1_000_000;
            say("-> exit " + enforce + " after " + ms + " ms: the script stops at its github.com download instead of");
            say("   hanging on a dead site.\n");

            say("== 3. rehearse the outage: github.com down as it really goes down (DNS times out) ==");
            say("$ cordon run --simulate-outage github.com --outage-wait 2s -- " + script);
            OutagePlan outage = new OutagePlan(List.of(DomainPattern.parse("github.com")), OutageStyle.TIMEOUT, Duration.ofSeconds(2));
            start = System.nanoTime();
            int rehearsal = session(script, Mode.ENFORCE, List.of(), outage, world.dnsPort());
            ms = (System.nanoTime() - start) / 1_000_000;
            say("-> exit " + rehearsal + " after " + ms + " ms: this is how long the deploy waits on a dead github.com before");
            say("   it fails (a real resolver may wait longer). Fix the script (mirror the tool), then run it again.");
            return audit == 0 && enforce != 0 && rehearsal != 0 ? 0 : 1;
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * `cordon demo world`: the demo's DNS and web servers, on fixed ports, until cordon is stopped,
     * so a newcomer can run examples/deploy.sh under cordon by hand. Torn down by the shutdown hook.
     */
    public int serveWorld(int httpPort, int dnsPort) throws IOException {
        Path dir = Files.createTempDirectory("cordon-demo-world-");
        DemoWorld world;
        try {
            world = DemoWorld.start(dir, httpPort, dnsPort);
        } catch (IOException e) {
            deleteTree(dir);
            throw e;
        }
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            world.close();
            deleteTree(dir);
            stopped.countDown();
        }));
        String upstream = "127.0.0.1:" + world.dnsPort();
        say("""
                cordon demo world: serving until stopped (Ctrl-C, or kill %d)
                  DNS : dnsmasq on %s: github.com, api.github.com -> 127.0.0.10; objects.githubusercontent.com -> 127.0.0.11;
                        %s -> CNAME objects.githubusercontent.com; deploy-api.internal -> 127.0.0.12
                  HTTP: 127.0.0.10-12 port %d
                Run the example deploy script against it, e.g.:
                  cordon run --upstream %s --mode audit --events audit.jsonl -- examples/deploy.sh
                """.formatted(ProcessHandle.current().pid(), upstream, DemoWorld.CNAME_ALIAS, world.httpPort(), upstream)
                + (world.httpPort() == 8080 ? "" : "  (export " + DeployScript.PORT_VARIABLE + "=" + world.httpPort() + " first)\n"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** examples/deploy.sh with the demo servers' port filled in, so the copy shown is the copy run. */
    static String scriptFor(int httpPort) {
        return DeployScript.text().replace("${" + DeployScript.PORT_VARIABLE + ":-8080}", Integer.toString(httpPort));
    }

    private int session(Path script, Mode mode, List<DomainPattern> deny, OutagePlan outage, int dnsPort) {
        DnsService.Options dns = new DnsService.Options(DomainPolicy.of(List.of(), deny, Action.ALLOW), mode,
                BlockedResponse.NXDOMAIN, List.of(new InetSocketAddress("127.0.0.1", dnsPort)),
                Duration.ofSeconds(2), LearnedAddresses.Ttl.DEFAULT, dev.cordon.kernel.Abi.LEARNED_MAX, DnsProxy.Options.DEFAULT, outage,
                false);
        out.flush();
        int rc = new Session(new SessionOptions(List.of(script.toString()), IpPolicy.of(List.of(), List.of(), Action.ALLOW),
                mode, null, CommandLauncher.Stdio.INHERIT, dns), err).run();
        err.flush();
        return rc;
    }

    private void say(String s) {
        out.println(s);
        out.flush();
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir; best effort
        }
    }
}
