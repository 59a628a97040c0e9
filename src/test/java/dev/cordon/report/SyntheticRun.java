package dev.cordon.report;

import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.AttemptKind;
import dev.cordon.report.model.OutageSpec;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.RunModelBuilder;
import dev.cordon.report.model.Verdict;

import java.time.Instant;
import java.util.List;

/**
 * A CI job of about 300 processes: a compile fan-out with no network, an npm install that reaches
 * the registry, a test run whose telemetry is blocked, and a deploy step that waits on an outage.
 */
public final class SyntheticRun {
    private final RunModelBuilder b = new RunModelBuilder();
    private final Instant t0 = Instant.parse("2026-11-21T12:00:00Z");
    private int nextPid = 1000;
    private long ms;

    private SyntheticRun() {}

    public static RunModel ciJob() {
        return new SyntheticRun().build();
    }

    private Instant at() {
        return t0.plusMillis(ms);
    }

    private int exec(int ppid, String... argv) {
        int pid = nextPid++;
        ms += 3;
        b.exec(at(), pid, ppid, argv[0], List.of(argv), null, null, null);
        return pid;
    }

    private void exit(int pid, int ppid, int code) {
        ms += 2;
        b.exit(at(), pid, ppid, null, code, null, null);
    }

    private void dns(int pid, int ppid, String cmd, String domain, Verdict v, long waited) {
        ms += 1;
        b.attempt(new Attempt(at(), AttemptKind.DNS, v, pid, cmd, null, null, null, List.of(domain), null, 0, "udp", "A", "r", null,
                List.of(), v == Verdict.OUTAGE ? "timeout" : null, waited, null), ppid, List.of(cmd.split(" ")), null);
        if (waited > 0) ms += waited;
    }

    private void connect(int pid, int ppid, String cmd, String domain, String ip, int port, Verdict v) {
        ms += 1;
        b.attempt(new Attempt(at(), AttemptKind.CONNECT, v, pid, cmd, null, null, null, domain == null ? List.of() : List.of(domain), ip, port,
                "tcp", null, "r", null, List.of(), null, -1, null), ppid, List.of(cmd.split(" ")), null);
    }

    private RunModel build() {
        b.runStart(t0, "0.1.0", List.of("./ci.sh"), "enforce", "deny", "allowlist", "ci-policy.yaml",
                List.of(new OutageSpec("artifacts.internal", "timeout")), 5000L);
        int root = exec(999, "bash", "./ci.sh");
        // build: make → 4 directories × 30 compiles (cc → cc1 + as), no network
        int make = exec(root, "make", "-j8", "all");
        for (int dir = 0; dir < 4; dir++) {
            int sub = exec(make, "make", "-C", "src/mod" + dir);
            for (int f = 0; f < 30; f++) {
                String file = "src/mod" + dir + "/file" + f + ".c";
                int cc = exec(sub, "cc", "-O2", "-c", file, "-o", file.replace(".c", ".o"));
                int cc1 = exec(cc, "/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "-quiet", file);
                exit(cc1, cc, 0);
                exit(cc, sub, 0);
            }
            exit(sub, make, 0);
        }
        exit(make, root, 0);
        // npm install: network to the registry, a few lifecycle scripts
        int npm = exec(root, "npm", "ci", "--no-audit");
        String npmCmd = "npm ci --no-audit";
        dns(npm, root, npmCmd, "registry.npmjs.org", Verdict.ALLOWED, -1);
        for (int i = 0; i < 12; i++) connect(npm, root, npmCmd, "registry.npmjs.org", "127.0.1.1", 443, Verdict.ALLOWED);
        for (int i = 0; i < 20; i++) {
            int sh = exec(npm, "sh", "-c", "node install.js");
            int node = exec(sh, "node", "install.js");
            if (i == 7) {
                dns(node, sh, "node install.js", "telemetry.example-analytics.com", Verdict.BLOCKED, -1);
                exit(node, sh, 0);
            } else {
                exit(node, sh, 0);
            }
            exit(sh, npm, 0);
        }
        exit(npm, root, 0);
        // tests: jest workers, one reaches an audited address
        int jest = exec(root, "node", "node_modules/.bin/jest", "--ci");
        for (int w = 0; w < 8; w++) {
            int worker = exec(jest, "node", "node_modules/jest-worker/build/processChild.js");
            for (int k = 0; k < 3; k++) {
                int git = exec(worker, "git", "rev-parse", "HEAD");
                exit(git, worker, 0);
            }
            if (w == 3) connect(worker, jest, "node node_modules/jest-worker/build/processChild.js", null, "203.0.113.50", 8443, Verdict.BLOCKED);
            exit(worker, jest, 0);
        }
        exit(jest, root, 0);
        // deploy: python waits on the artifact store, retries, gives up
        int deploy = exec(root, "python3", "deploy.py", "--upload", "dist/");
        String dcmd = "python3 deploy.py --upload dist/";
        dns(deploy, root, dcmd, "artifacts.internal", Verdict.OUTAGE, 5000);
        dns(deploy, root, dcmd, "artifacts.internal", Verdict.OUTAGE, 5000);
        int curl = exec(deploy, "curl", "-fsS", "https://status.internal/ping");
        dns(curl, deploy, "curl -fsS https://status.internal/ping", "status.internal", Verdict.ALLOWED, -1);
        connect(curl, deploy, "curl -fsS https://status.internal/ping", "status.internal", "127.0.2.2", 443, Verdict.ALLOWED);
        exit(curl, deploy, 0);
        exit(deploy, root, 1);
        exit(root, 999, 1);
        b.runEnd(at(), 1, 1, root, ms, 4L, 0L);
        return b.build();
    }
}
