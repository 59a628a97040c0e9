package dev.cordon.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.cordon.it.KernelTestSupport.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sustained DNS load through a session: dnsperf inside {@code cordon run} sends to 127.0.0.1:53 (the
 * kernel redirects port 53 to cordon's proxy), cordon forwards to a dnsmasq on loopback. Asserts no
 * query is lost or unanswered, blocked names get NXDOMAIN, and cordon's memory stays bounded;
 * prints the numbers (docs/LOAD.md has them and the command).
 *
 * <p>{@code -Dcordon.load.seconds} (default 60) and {@code -Dcordon.load.qps} (default 3000: this 2-CPU host sustains about 5000 while other builds run) change the run.
 */
class DnsLoadIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    static final int SECONDS = Integer.getInteger("cordon.load.seconds", 60);
    static final int QPS = Integer.getInteger("cordon.load.qps", 3000);
    static final int NAMES = 50;
    /** One query in BLOCKED_EVERY asks for a denied name. */
    static final int BLOCKED_EVERY = 10;
    /** Far above what the run needs (about 100 MB): a leak or an unbounded queue at this rate crosses it. */
    static final long MAX_RSS_KB = 512 * 1024;

    @Test
    void aMinuteOfSteadyDnsLoadLosesNoQueryAndKeepsMemoryBounded() throws Exception {
        Dnsmasq dns = new Dnsmasq().quiet();
        for (int i = 0; i < NAMES; i++) dns.host("n" + i + ".load.internal", "127.0.50." + (i + 1), "::1");
        try (Dnsmasq upstream = dns.start(kernel.dir())) {
            Path queries = kernel.dir().resolve("queries.txt");
            Files.write(queries, queryFile());
            CordonProcess cordon = kernel.start(args(
                    List.of("run", "--upstream", upstream.upstream(), "--deny", "blocked.internal", "--"),
                    List.of("dnsperf", "-s", "127.0.0.1", "-p", "53", "-d", queries.toString(),
                            "-l", Integer.toString(SECONDS), "-Q", Integer.toString(QPS))));
            MemorySampler memory = MemorySampler.sample(cordon, Duration.ofSeconds(SECONDS + 60));
            CordonResult r = cordon.await(Duration.ofSeconds(SECONDS + 60));
            memory.join();

            DnsPerf perf = DnsPerf.parse(r.stdout());
            String report = String.format(Locale.ROOT,
                    "dnsperf through cordon: %d s at -Q %d: sent %d, completed %d, lost %d, NOERROR %d, NXDOMAIN %d, other %d; "
                            + "%.0f qps; latency avg %.3f ms, stddev %.3f ms, max %.3f ms; cordon JVM RSS: %s; peak (VmHWM) %d MB",
                    SECONDS, QPS, perf.sent, perf.completed, perf.lost, perf.noerror, perf.nxdomain, perf.otherRcodes,
                    perf.qps, perf.avgLatencyS * 1000, perf.stddevS * 1000, perf.maxLatencyS * 1000,
                    memory.describe(), memory.peakHwmKb() / 1024);
            System.out.println("[dns-load] " + report);
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "dns-load.txt"), report + "\n\ndnsperf:\n" + r.stdout());

            assertThat(r.exitCode()).as("dnsperf's exit status\n%s", r).isZero();
            assertThat(perf.sent).as("sustained rate: at least 95%% of %d qps for %d s\n%s", QPS, SECONDS, report)
                    .isGreaterThanOrEqualTo((long) (QPS * (long) SECONDS * 0.95));
            assertThat(perf.lost).as("lost (unanswered) queries\n%s", report).isZero();
            assertThat(perf.completed).as("every query answered\n%s", report).isEqualTo(perf.sent);
            assertThat(perf.otherRcodes).as("no SERVFAIL or other errors\n%s\n%s", report, r.stdout()).isZero();
            List<String> lines = queryFile();
            double blockedShare = (double) lines.stream().filter(l -> l.contains("blocked")).count() / lines.size();
            assertThat((double) perf.nxdomain / perf.completed).as("share of blocked names answered NXDOMAIN\n%s", report)
                    .isCloseTo(blockedShare, org.assertj.core.data.Offset.offset(0.01));
            assertThat(memory.samples()).as("memory samples during the run").isGreaterThanOrEqualTo(SECONDS / 2);
            assertThat(memory.peakHwmKb()).as("cordon's peak RSS\n%s", report).isLessThan(MAX_RSS_KB);
            // Bounded, not only small: RSS in the last third is not far above the middle third's (no steady growth).
            assertThat(memory.lastThirdMaxKb()).as("RSS still growing at the end\n%s", report)
                    .isLessThanOrEqualTo(memory.middleThirdMaxKb() + 64 * 1024);
            assertThat(r.stderr()).as("the blocked name is reported").contains("domain=x.blocked.internal.");
        }
    }

    /** dnsperf's format: "NAME TYPE" per line; it loops over the file for the whole run. */
    private static List<String> queryFile() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < NAMES * 2; i++) {
            if (lines.size() % BLOCKED_EVERY == BLOCKED_EVERY - 1) lines.add("x.blocked.internal A");
            lines.add("n" + (i / 2) + ".load.internal " + (i % 2 == 0 ? "A" : "AAAA"));
        }
        while (lines.size() % BLOCKED_EVERY != 0) lines.add("n0.load.internal A");
        return lines;
    }

    /** The numbers dnsperf prints at the end of a run. */
    record DnsPerf(long sent, long completed, long lost, long noerror, long nxdomain, long otherRcodes, double qps,
                   double avgLatencyS, double maxLatencyS, double stddevS) {
        static DnsPerf parse(String out) {
            long noerror = 0, nxdomain = 0, other = 0;
            String codes = field(out, "Response codes:");
            for (String part : codes.split(",")) {
                String[] w = part.strip().split("\\s+");
                if (w.length < 2) continue;
                long n = Long.parseLong(w[1]);
                switch (w[0]) {
                    case "NOERROR" -> noerror += n;
                    case "NXDOMAIN" -> nxdomain += n;
                    default -> other += n;
                }
            }
            String avg = field(out, "Average Latency (s):"); // "0.000171 (min 0.000042, max 0.004215)"
            return new DnsPerf(firstLong(field(out, "Queries sent:")), firstLong(field(out, "Queries completed:")),
                    firstLong(field(out, "Queries lost:")), noerror, nxdomain, other,
                    Double.parseDouble(field(out, "Queries per second:").split("\\s+")[0]),
                    Double.parseDouble(avg.split("\\s+")[0]),
                    Double.parseDouble(avg.replaceAll(".*max ([0-9.]+)\\).*", "$1")),
                    Double.parseDouble(field(out, "Latency StdDev (s):").split("\\s+")[0]));
        }

        private static String field(String out, String label) {
            for (String line : out.lines().toList()) {
                String l = line.strip();
                if (l.startsWith(label)) return l.substring(label.length()).strip();
            }
            throw new AssertionError("dnsperf printed no '" + label + "':\n" + out);
        }

        private static long firstLong(String s) {
            return Long.parseLong(s.split("\\s+")[0]);
        }
    }

    /** Samples VmRSS and VmHWM of the cordon JVM from /proc every 500 ms until it exits (bounded). */
    static final class MemorySampler {
        private final List<long[]> rssHwm = new ArrayList<>();
        private final Thread thread;

        private MemorySampler(CordonProcess p, Duration max) {
            thread = Thread.ofPlatform().daemon(true).name("rss-sampler").start(() -> {
                long deadline = System.nanoTime() + max.toNanos();
                Path status = Path.of("/proc", Long.toString(p.pid()), "status");
                while (p.isAlive() && System.nanoTime() < deadline) {
                    try {
                        long rss = -1, hwm = -1;
                        for (String line : Files.readAllLines(status)) {
                            if (line.startsWith("VmRSS:")) rss = kb(line);
                            if (line.startsWith("VmHWM:")) hwm = kb(line);
                        }
                        if (rss > 0) {
                            synchronized (rssHwm) {
                                rssHwm.add(new long[] {rss, hwm});
                            }
                        }
                    } catch (IOException e) {
                        return; // the process is gone
                    }
                    Await.until(Duration.ofMillis(500), () -> !p.isAlive());
                }
            });
        }

        static MemorySampler sample(CordonProcess p, Duration max) {
            return new MemorySampler(p, max);
        }

        void join() throws InterruptedException {
            thread.join(Duration.ofSeconds(5));
        }

        private static long kb(String line) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }

        private List<long[]> snapshot() {
            synchronized (rssHwm) {
                return List.copyOf(rssHwm);
            }
        }

        int samples() {
            return snapshot().size();
        }

        long peakHwmKb() {
            return snapshot().stream().mapToLong(s -> s[1]).max().orElse(0);
        }

        private long maxRss(int fromThird) {
            List<long[]> s = snapshot();
            int n = s.size();
            return s.subList(n * fromThird / 3, n * (fromThird + 1) / 3).stream().mapToLong(x -> x[0]).max().orElse(0);
        }

        long middleThirdMaxKb() {
            return maxRss(1);
        }

        long lastThirdMaxKb() {
            return maxRss(2);
        }

        String describe() {
            return String.format(Locale.ROOT, "max by third %d/%d/%d MB (%d samples)", maxRss(0) / 1024,
                    maxRss(1) / 1024, maxRss(2) / 1024, samples());
        }
    }
}
