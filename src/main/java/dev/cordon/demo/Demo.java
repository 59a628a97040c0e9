package dev.cordon.demo;

import dev.cordon.dns.DnsProxy;
import dev.cordon.dns.DnsService;
import dev.cordon.dns.LearnedAddresses;
import dev.cordon.dns.QueryHandler;
import dev.cordon.policy.Action;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.IpPolicy;
import dev.cordon.policy.Mode;
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
            Files.writeString(script, DeployScript.text(world.httpPort()));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            List<DomainPattern> blocked = List.of(DomainPattern.parse("github.com"), DomainPattern.parse("githubusercontent.com"));

            say("""
                    cordon demo: GitHub's deployment scenario, entirely on loopback.
                      DNS server : dnsmasq on 127.0.0.1:%d answering github.com, api.github.com,
                                   objects.githubusercontent.com, %s (CNAME to it) and deploy-api.internal
                      web servers: 127.0.0.10-12 port %d
                      script     : %s
                      policy     : --deny github.com --deny githubusercontent.com
                    """.formatted(world.dnsPort(), DemoWorld.CNAME_ALIAS, world.httpPort(), script));
            say(DeployScript.text(world.httpPort()).indent(4));

            say("== 1. audit mode: the script runs as usual; cordon reports what would be blocked ==");
            say("$ cordon run --mode audit --deny github.com --deny githubusercontent.com -- " + script);
            int audit = session(script, Mode.AUDIT, blocked, world.dnsPort());
            say("-> exit " + audit + ": the deploy worked, and depended on github.com without anyone knowing.\n");

            say("== 2. enforce mode: as during a github.com outage, but failing at once ==");
            say("$ cordon run --deny github.com --deny githubusercontent.com -- " + script);
            long start = System.nanoTime();
            int enforce = session(script, Mode.ENFORCE, blocked, world.dnsPort());
            long ms = (System.nanoTime() - start) / 1_000_000;
            say("-> exit " + enforce + " after " + ms + " ms: the script stops at its github.com download instead of");
            say("   hanging on a dead site. Fix the script (mirror the tool), then run it again under cordon.");
            return audit == 0 && enforce != 0 ? 0 : 1;
        } finally {
            deleteTree(dir);
        }
    }

    private int session(Path script, Mode mode, List<DomainPattern> deny, int dnsPort) {
        DnsService.Options dns = new DnsService.Options(DomainPolicy.of(List.of(), deny, Action.ALLOW), mode,
                QueryHandler.BlockedResponse.NXDOMAIN, List.of(new InetSocketAddress("127.0.0.1", dnsPort)),
                Duration.ofSeconds(2), LearnedAddresses.Ttl.DEFAULT, 131_072, DnsProxy.Options.DEFAULT);
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
