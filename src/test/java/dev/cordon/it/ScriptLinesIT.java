package dev.cordon.it;

import dev.cordon.testing.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which line of a bash script started each attempt: real bash scripts run under cordon, their
 * connects blocked in the kernel, and what cordon names compared with what bash itself says
 * (${BASH_SOURCE[@]} and ${BASH_LINENO[@]} at the same line) in every construct a deploy script
 * uses: sourced files, functions, subshells, pipelines, command substitution, programs that start
 * commands (xargs, env, bash -c), traps.
 */
class ScriptLinesIT {
    @RegisterExtension
    static final KernelTestSupport kernel = new KernelTestSupport();

    private static final String BLOCKED = "127.0.0.2";
    private static final Pattern ASKED = Pattern.compile("http://127\\.0\\.0\\.2:\\d+/\\?(\\S*)");

    private Path script(String name, String text) throws IOException {
        Path p = kernel.dir().resolve(name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /** Line 9 curls a blocked address: the done-criterion of issue 13. */
    @Test
    void aBlockedRequestFromLine9IsNamedInTheSummaryTheEventsAndTheHtmlReport() throws Exception {
        TcpListener target = kernel.tcp(BLOCKED);
        script("lib.sh", "prepare() {\n  /bin/true prepared\n}\n");
        script("deploy.sh", """
                #!/bin/bash
                # deploy: the blocked download is on line 9
                source ./lib.sh
                prepare
                ( cd / && /bin/true )
                /bin/true | cat
                echo "fetching the tool"
                # the next line reaches a blocked address
                curl -s --max-time 5 -o /dev/null http://%s:%d/tool.tgz || echo "download failed"
                """.formatted(BLOCKED, target.port()));
        Path html = kernel.dir().resolve("report.html");
        Path events = kernel.dir().resolve("events.jsonl");

        CordonResult r = kernel.run("run", "--deny-cidr", BLOCKED, "--report", html.toString(), "--events", events.toString(),
                "--", "./deploy.sh");

        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(target.acceptedBeforeSentinel()).isZero();
        assertThat(r.attemptLines()).as("%s", r).singleElement()
                .satisfies(l -> assertThat(l.fields()).containsEntry("line", "./deploy.sh:9"))
                .satisfies(l -> assertThat(l.raw()).as("the file that ran, then the line").containsPattern(
                        " cmd=\"curl [^\"]+\" exe=/\\S*/curl line=\\./deploy\\.sh:9 rule="));
        String destination = BLOCKED + ":" + target.port();
        assertThat(r.stderrLines()).as("the summary's row\n%s", r)
                .anyMatch(l -> l.startsWith("  blocked  " + destination) && l.contains("./deploy.sh:9  curl -s --max-time 5"));
        assertThat(Files.readString(html)).contains("<code class=\"line\" title=\"./deploy.sh:9\">./deploy.sh:9</code>");
        Map<String, String> connect = JsonLines.ofType(JsonLines.read(events), "connect").getFirst();
        assertThat(label(connect.get("line"))).isEqualTo("./deploy.sh:9");
        assertThat(JsonLines.ofType(JsonLines.read(events), "exec")).as("the script's own commands carry their lines too")
                .anyMatch(e -> e.get("cmd").equals("/bin/true prepared") && e.get("line").contains("\"./lib.sh\", \"line\": 2"));
    }

    /**
     * Every connect asks for {@code /?<what bash says>}: a function that prints the caller's
     * ${BASH_SOURCE[i]}:${BASH_LINENO[i-1]} from the outermost script in, so the expectation is
     * bash's own account of the same line. The events file keeps every attempt (stderr holds 10 per destination).
     */
    @Test
    void sourcedFilesFunctionsSubshellsPipelinesAndTheProgramsTheyStartAreNamedAsBashNamesThem() throws Exception {
        TcpListener target = kernel.tcp(BLOCKED);
        String url = "http://" + BLOCKED + ":" + target.port() + "/?${CALLER:+$CALLER>}$(where)";
        String hit = "curl -s --max-time 5 -o /dev/null \"" + url + "\"";
        script("lib.sh", """
                # where: the caller's line as bash reports it, outermost script first
                where() {
                  local i out=""
                  for ((i = ${#BASH_SOURCE[@]} - 1; i >= 1; i--)); do out+="${out:+>}${BASH_SOURCE[i]}:${BASH_LINENO[i-1]}"; done
                  printf '%s' "$out"
                }
                lib_call() {
                  HIT
                }
                deep() {
                  if (( $1 > 0 )); then deep $(( $1 - 1 )); else HIT; fi
                }
                HIT
                """.replace("HIT", hit));
        script("steps.sh", """
                #!/bin/bash
                source ./lib.sh
                HIT
                """.replace("HIT", hit));
        // steps.sh's bash cannot see deploy.sh: CALLER tells where() the line that started it
        script("deploy.sh", """
                #!/usr/bin/env bash
                source ./lib.sh
                f() {
                  HIT
                }
                f
                lib_call
                ( HIT )
                HIT | cat
                x=$(HIT)
                deep 2
                deep 11
                for i in 1; do
                  HIT
                done
                echo one | xargs -I{} HIT
                env HIT
                bash -c "curl -s --max-time 5 -o /dev/null 'URL'"
                CALLER="./deploy.sh:$LINENO" ./steps.sh
                exit 0
                """.replace("HIT", hit).replace("URL", url));
        Path events = kernel.dir().resolve("events.jsonl");

        CordonResult r = kernel.run("run", "--no-summary", "--deny-cidr", BLOCKED, "--events", events.toString(), "--", "./deploy.sh");

        assertThat(r.exitCode()).as("%s", r).isZero();
        List<Map<String, String>> connects = JsonLines.ofType(JsonLines.read(events), "connect");
        assertThat(connects).as("%s", r).hasSize(14); // one per HIT that runs: lib.sh twice (sourced by deploy.sh and steps.sh)
        List<String> mismatches = new ArrayList<>();
        for (Map<String, String> c : connects) {
            Matcher m = ASKED.matcher(c.get("cmd"));
            assertThat(m.find()).as(c.get("cmd")).isTrue();
            String expected = kept(m.group(1).replace(">", " > "));
            String named = label(c.get("line"));
            if (!expected.equals(named)) mismatches.add("bash says " + expected + ", cordon " + named + " for " + c.get("cmd"));
        }
        assertThat(mismatches).as("%s", r).isEmpty();
    }

    /** The outermost script line and the innermost seven: what cordon keeps of a deeper stack. */
    private static String kept(String bashSays) {
        List<String> all = List.of(bashSays.split(" > "));
        if (all.size() <= 8) return bashSays;
        List<String> kept = new ArrayList<>(List.of(all.getFirst()));
        kept.addAll(all.subList(all.size() - 7, all.size()));
        return String.join(" > ", kept);
    }

    /** The events file's line array as a label: file:line > file:line (the stderr form). */
    @SuppressWarnings("unchecked")
    private static String label(String json) {
        if (json == null) return "(none)";
        List<String> parts = new ArrayList<>();
        // python's json.dumps separates with ", " and ": "; these file names hold neither
        for (Object o : (List<Object>) Json.parse(json.replace(", ", ",").replace(": ", ":"))) {
            Map<String, Object> l = (Map<String, Object>) o;
            parts.add(l.get("file") + (l.get("line") == null ? "" : ":" + l.get("line")) + (l.get("trap") == null ? "" : " (" + l.get("trap") + " trap)"));
        }
        return String.join(" > ", parts);
    }

    /**
     * Inside a trap bash counts the trap's own lines (and an ERR trap may run inside the EXIT trap, when
     * a command there fails): the file and the trap are named, never a line.
     */
    @Test
    void commandsOfTrapsNameTheFileAndTheTrapButNoLine() throws Exception {
        TcpListener target = kernel.tcp(BLOCKED);
        String url = "http://" + BLOCKED + ":" + target.port() + "/";
        script("deploy.sh", """
                #!/bin/bash
                trap 'curl -s --max-time 5 -o /dev/null %serr' ERR
                trap 'curl -s --max-time 5 -o /dev/null %sexit' EXIT
                /bin/false
                echo done
                """.formatted(url, url));

        CordonResult r = kernel.run("run", "--no-summary", "--deny-cidr", BLOCKED, "--", "./deploy.sh");

        // the ERR trap runs twice: after /bin/false (line 4), and after the EXIT trap's curl failed (its line 1)
        assertThat(r.attemptLines()).as("%s", r).extracting(l -> l.fields().get("cmd") + " from " + l.fields().get("line"))
                .containsExactly("curl -s --max-time 5 -o /dev/null " + url + "err from ./deploy.sh (ERR trap)",
                        "curl -s --max-time 5 -o /dev/null " + url + "exit from ./deploy.sh (EXIT trap)",
                        "curl -s --max-time 5 -o /dev/null " + url + "err from ./deploy.sh (ERR trap)");
    }

    /** A rehearsed outage: the reports say which step of the script waited on the dead dependency. */
    @Test
    void theStepThatWaitedOnASimulatedOutageIsNamedInTheReport() throws Exception {
        Path worldDir = Files.createDirectories(kernel.dir().resolve("world"));
        try (DnsWorld world = DnsWorld.start(worldDir)) {
            script("deploy.sh", """
                    #!/bin/bash
                    # deploy: line 9 fetches from github.com, which is down for this rehearsal
                    echo "step 1"
                    /bin/true
                    echo "step 2"
                    /bin/true
                    echo "step 3"
                    # the download
                    curl -s --max-time 20 -o /dev/null http://github.com:%d/tool.tgz || echo "download failed"
                    """.formatted(world.github.port()));
            Path md = kernel.dir().resolve("report.md");
            Path html = kernel.dir().resolve("report.html");

            GuardedRun.Result r = world.cordon(kernel.dir()).opt("--simulate-outage", "github.com", "--outage-wait", "1s",
                    "--report", md.toString(), "--report", html.toString()).timeout(java.time.Duration.ofSeconds(60)).run("./deploy.sh");

            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.lines("DNS", "OUTAGE")).as(r.toString()).isNotEmpty()
                    .allSatisfy(l -> assertThat(l.get("line")).isEqualTo("./deploy.sh:9"));
            assertThat(Files.readString(md)).contains("The step that waited is `./deploy.sh:9`.")
                    .containsPattern("\\| `\\./deploy\\.sh:9` \\| `curl -s --max-time 20 -o /dev/null http://github\\.com:\\d+/tool\\.tgz` \\(\\d+\\) \\|");
            assertThat(Files.readString(html)).contains("<p>The step that waited is <code class=\"line\" title=\"./deploy.sh:9\">./deploy.sh:9</code>.</p>");
        }
    }

    /** Debian's bash-static keeps no symbols: no line, never a guessed one, and cordon says why once. */
    @Test
    void aBashCordonCannotReadGetsNoLineAndCordonSaysWhyOnce() throws Exception {
        TcpListener target = kernel.tcp(BLOCKED);
        Path bashStatic = Host.cordonHome().resolve("target/test-tools/bash-static/bin/bash-static");
        assertThat(bashStatic).as("bin/test-tools unpacks Debian's bash-static (bin/test runs it)").isExecutable();
        String hit = "curl -s --max-time 5 -o /dev/null http://" + BLOCKED + ":" + target.port() + "/";
        script("inner.sh", hit + "\n");
        script("deploy.sh", hit + "\n" + hit + "\n" + bashStatic + " ./inner.sh\n");

        CordonResult r = kernel.run("run", "--no-summary", "--deny-cidr", BLOCKED, "--", bashStatic.toString(), "./deploy.sh");

        assertThat(r.attemptLines()).as("%s", r).hasSize(3).allSatisfy(l -> assertThat(l.fields()).doesNotContainKey("line"));
        assertThat(r.stderrLines()).as("%s", r).filteredOn(l -> l.startsWith("cordon: no line="))
                .containsExactly("cordon: no line= for the commands of ./deploy.sh: " + bashStatic.toRealPath() + " cannot be read: "
                        + "it is bash 5.2.15 without a symbol table (a static or fully stripped build, such as Debian's "
                        + "bash-static), so $LINENO cannot be found in it");
    }

    /**
     * The probe is on bash while the session runs and gone when it ends; --no-script-lines puts none
     * there (and names no line). The script asks bpftool, so it keeps the capabilities that needs.
     * Only cordon loads a program named cordon_shell_execve (bpftool shows the whole name, from its BTF).
     */
    @Test
    void theProbeLivesAsLongAsTheSessionAndNoScriptLinesPutsNone() throws Exception {
        TcpListener target = kernel.tcp(BLOCKED);
        script("deploy.sh", """
                #!/bin/bash
                bpftool prog show | grep -c 'name cordon_shell_execve ' || true
                curl -s --max-time 5 -o /dev/null http://%s:%d/
                """.formatted(BLOCKED, target.port()));
        List<String> caps = List.of("--keep-cap", "sys_admin", "--keep-cap", "bpf", "--keep-cap", "perfmon");

        CordonResult on = kernel.run(KernelTestSupport.args(List.of("run", "--no-summary"), caps,
                List.of("--deny-cidr", BLOCKED, "--", "./deploy.sh")));
        assertThat(on.stdoutLines()).as("%s", on).singleElement().satisfies(n -> assertThat(Integer.parseInt(n)).isPositive());
        assertThat(on.attemptLines()).singleElement().satisfies(l -> assertThat(l.fields()).containsEntry("line", "./deploy.sh:3"));
        // released by a kernel worker after cordon dropped it (ScriptLines.close): gone soon after, not at once
        assertThat(Host.await(java.time.Duration.ofSeconds(5),
                () -> !Host.run("bpftool", "prog", "show").out().contains("name cordon_shell_execve "))).as("unloaded after the session").isTrue();

        CordonResult off = kernel.run(KernelTestSupport.args(List.of("run", "--no-summary", "--no-script-lines"), caps,
                List.of("--deny-cidr", BLOCKED, "--", "./deploy.sh")));
        assertThat(off.stdoutLines()).as("%s", off).containsExactly("0");
        assertThat(off.attemptLines()).singleElement().satisfies(l -> assertThat(l.fields()).doesNotContainKey("line"));
    }
}
