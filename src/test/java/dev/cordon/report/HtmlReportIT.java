package dev.cordon.report;

import dev.cordon.report.read.EventsFileReader;
import dev.cordon.report.render.HtmlRenderer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The HTML report in a real browser (headless Chromium): after its script ran, the tree is there,
 * the blocked process and the path to it are marked, and a filter from the URL hides the rest.
 * Screenshots land in target/report-screenshots/ for a human to look at.
 */
class HtmlReportIT {
    private static final Path OUT = Path.of(System.getProperty("cordon.home", "."), "target/report-screenshots");
    private static Path chromium;

    @TempDir
    Path profile;

    @BeforeAll
    static void setUp() throws Exception {
        String configured = System.getenv("CORDON_CHROMIUM");
        chromium = Path.of(configured != null ? configured : "/usr/bin/chromium");
        if (!Files.isExecutable(chromium)) {
            fail("headless Chromium is needed for the HTML report test and is missing at " + chromium
                    + ": install it with `apt-get install -y chromium` (bin/setup --deps does), or set CORDON_CHROMIUM");
        }
        Files.createDirectories(OUT);
        Files.writeString(OUT.resolve("deploy.html"), HtmlRenderer.render(EventsFileReader.read(Golden.resource("deploy.jsonl"))));
        Files.writeString(OUT.resolve("ci.html"), HtmlRenderer.render(SyntheticRun.ciJob()));
        Files.writeString(OUT.resolve("escaping.html"), HtmlRenderer.render(EscapingTest.model()));
        Files.writeString(OUT.resolve("guard.html"), HtmlRenderer.render(TaskReportGoldenTest.guard()));
    }

    /** Runs Chromium on a file with one action (--dump-dom, --screenshot=...); returns stdout. */
    private String chromium(String page, String... action) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--user-data-dir=" + Files.createTempDirectory(profile, "chromium"), "--window-size=1400,1000"));
        cmd.addAll(List.of(action));
        cmd.add(OUT.resolve(page.replaceAll("#.*", "")).toAbsolutePath().toUri() + (page.contains("#") ? page.substring(page.indexOf('#')) : ""));
        Path stdout = Files.createTempFile(profile, "out", ".html");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail("chromium did not finish within 90 s: " + String.join(" ", cmd));
        }
        assertThat(p.exitValue()).as("chromium's exit status for %s", page).isZero();
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    private static String li(String dom, int pid) {
        Matcher m = Pattern.compile("<li [^>]*data-pid=\"" + pid + "\"[^>]*>").matcher(dom);
        assertThat(m.find()).as("process %d is in the tree", pid).isTrue();
        return m.group();
    }

    @Test
    void theScriptRanAndTheBlockIsMarkedAlongItsPath() throws Exception {
        String dom = chromium("deploy.html", "--dump-dom");
        assertThat(dom).contains("data-ready=\"1\"").doesNotContain("class=\"nojs\"");
        assertThat(dom).contains("<span id=\"matches\">8 processes</span>");
        assertThat(li(dom, 4244)).contains("own-blocked");      // git-remote-https: its query was blocked
        assertThat(li(dom, 4243)).contains("path-blocked");     // git fetch: on the way to it
        assertThat(li(dom, 4242)).contains("path-blocked");     // the script itself
        assertThat(li(dom, 4250)).contains("own-outage");
        assertThat(li(dom, 4247)).contains("own-audited");
        assertThat(li(dom, 4246)).doesNotContain("own-", "path-").doesNotContain("hidden");
    }

    @Test
    void aFilterInTheUrlShowsOnlyMatchesAndTheirAncestors() throws Exception {
        String dom = chromium("ci.html#q=telemetry", "--dump-dom");
        assertThat(dom).contains("data-ready=\"1\"").contains("1 of 322 processes match");
        assertThat(li(dom, 1262)).contains("hit").doesNotContain("hidden");
        assertThat(li(dom, 1246)).doesNotContain("hidden");     // npm ci, its grandparent
        assertThat(li(dom, 1001)).contains("hidden");           // make: no match below
        assertThat(li(dom, 1320)).contains("hidden");
    }

    @Test
    void aGuardSessionsDestinationsAreGroupedByTaskAndATaskFiltersTheTree() throws Exception {
        String dom = chromium("guard.html#q=deploy@42.service", "--dump-dom");
        assertThat(dom).contains("data-ready=\"1\"").contains("3 of 7 processes match");
        assertThat(Pattern.compile("<tr class=\"task\"><th colspan=\"5\">task <code>").matcher(dom).results().count()).isEqualTo(2);
        assertThat(li(dom, 5201)).contains("hit").doesNotContain("hidden");
        assertThat(li(dom, 5101)).contains("hidden");             // git fetch, in the other task
    }

    @Test
    void quietBranchesStartCollapsed() throws Exception {
        String dom = chromium("ci.html", "--dump-dom");
        // make's 244 compiles touched no network: its details element is closed
        Matcher make = Pattern.compile("data-pid=\"1001\"[^>]*><details>").matcher(dom);
        assertThat(make.find()).as("make's subtree is collapsed").isTrue();
        assertThat(dom).contains("19 processes without network activity: sh ×19");
    }

    @Test
    void hostileStringsStayText() throws Exception {
        String dom = chromium("escaping.html", "--dump-dom");
        assertThat(dom).contains("data-ready=\"1\"").doesNotContain("<script>alert", "<img src=\"y\"");
    }

    @Test
    void screenshots() throws Exception {
        for (String[] shot : new String[][]{{"deploy.html", "deploy.png"}, {"ci.html", "ci.png"}, {"ci.html#q=node", "ci-filtered.png"},
                {"guard.html", "guard.png"}}) {
            Path png = OUT.resolve(shot[1]);
            Files.deleteIfExists(png);
            chromium(shot[0], "--screenshot=" + png.toAbsolutePath());
            assertThat(png).exists();
            assertThat(Files.size(png)).as("%s has content", png).isGreaterThan(20_000);
        }
    }
}
