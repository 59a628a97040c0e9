package dev.cordon.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** cordon report and cordon suggest on saved events files. */
class ReportCliTest {
    private static final Path DEPLOY = Path.of("src/test/resources/dev/cordon/report/deploy.jsonl");
    private static final Path AUDIT = Path.of("src/test/resources/dev/cordon/report/audit.jsonl");

    record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void reportDefaultsToTheSummaryOnStdout() throws Exception {
        Result r = run("report", DEPLOY.toString());
        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo(Files.readString(Path.of("src/test/resources/dev/cordon/report/deploy.summary.txt")));
    }

    @Test
    void aSavedGuardSessionIsSummarisedByTask() throws Exception {
        Result r = run("report", "src/test/resources/dev/cordon/report/guard.jsonl");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo(Files.readString(Path.of("src/test/resources/dev/cordon/report/guard.summary.txt")))
                .contains("  task deploy@41.service — 1 destination: 1 blocked\n");
    }

    @Test
    void outputExtensionPicksTheFormat(@TempDir Path dir) throws Exception {
        for (String name : new String[]{"r.md", "r.html", "r.json", "r.markdown", "r.htm"}) {
            Result r = run("report", DEPLOY.toString(), "-o", dir.resolve(name).toString());
            assertThat(r.code()).as(name).isZero();
            assertThat(r.out()).isEmpty();
        }
        assertThat(Files.readString(dir.resolve("r.md"))).startsWith("## cordon: `./deploy.sh prod` failed (exit 1)");
        assertThat(Files.readString(dir.resolve("r.html"))).startsWith("<!doctype html>");
        assertThat(Files.readString(dir.resolve("r.json"))).startsWith("{\n  \"run\":");
        Result md = run("report", DEPLOY.toString(), "--format", "md");
        assertThat(md.out()).isEqualTo(Files.readString(dir.resolve("r.md")));
    }

    @Test
    void unknownFormatsAreOneClearLine(@TempDir Path dir) {
        Result r = run("report", DEPLOY.toString(), "-o", dir.resolve("r.pdf").toString());
        assertThat(r.code()).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(r.err()).isEqualTo("cordon: cannot tell the report format of '" + dir.resolve("r.pdf")
                + "': use a file ending in .md, .html or .json\n");
        assertThat(run("report", DEPLOY.toString(), "--format", "pdf").err())
                .isEqualTo("cordon: unknown report format 'pdf': use summary, md, html or json\n");
    }

    @Test
    void aBrokenFileIsNamedWithItsLineAndNoStackTrace(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, Files.readAllLines(DEPLOY).getFirst() + "\n{\"time\": oops}\n");
        Result r = run("report", bad.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(r.err()).isEqualTo("cordon: " + bad + ":2: not valid JSON: unexpected 'o' (column 10)\n");
        assertThat(run("suggest", dir.resolve("missing.jsonl").toString()).err())
                .isEqualTo("cordon: " + dir.resolve("missing.jsonl") + ": no such file\n");
    }

    @Test
    void suggestWritesThePolicy(@TempDir Path dir) throws Exception {
        Result r = run("suggest", AUDIT.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo(Files.readString(Path.of("src/test/resources/dev/cordon/report/audit.policy.yaml")));
        Path out = dir.resolve("policy.yaml");
        assertThat(run("suggest", AUDIT.toString(), "-o", out.toString(), "--group-min", "2").code()).isZero();
        assertThat(Files.readString(out)).contains("- \"*.two.io\"");
        assertThat(run("suggest", AUDIT.toString(), "--group-min", "1").err()).isEqualTo("cordon: --group-min must be at least 2\n");
    }
}
