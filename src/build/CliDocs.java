import dev.cordon.cli.Cli;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the documents that come from cordon's CLI model, so they always match the options the
 * code has: one AsciiDoc man page per command (picocli-codegen's ManPageGenerator: cordon.adoc,
 * cordon-run.adoc, ..., which asciidoctor turns into groff) and the bash completion script
 * (picocli's AutoComplete). bin/package runs it for the Debian package.
 *
 * <pre>java -cp target/cordon.jar:target/lib/*:PICOCLI_CODEGEN_JAR src/build/CliDocs.java OUTDIR
 *   OUTDIR/man/*.adoc, OUTDIR/cordon.bash-completion</pre>
 */
public final class CliDocs {
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: CliDocs OUTDIR");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        CommandLine tree = Cli.commandTree();
        // The man page viewer wraps lines to the terminal; picocli must not wrap them at 80 first.
        unwrapped(tree);
        Path man = Files.createDirectories(out.resolve("man"));
        // One page per command and subcommand, recursively; no templates; overwrite earlier output.
        int rc = ManPageGenerator.generateManPage(man.toFile(), null, new boolean[0], true, tree.getCommandSpec());
        if (rc != 0) throw new IOException("ManPageGenerator failed with exit status " + rc);
        try (var pages = Files.list(man)) {
            for (Path page : pages.toList()) Files.writeString(page, dashesKept(synopsisLinesKept(Files.readString(page))));
        }
        // Sourced by bash-completion, never run: no "#!" line.
        String completion = AutoComplete.bash("cordon", tree).replaceFirst("\\A#!.*\\R", "");
        Files.writeString(out.resolve("cordon.bash-completion"), completion);
        try (var pages = Files.list(man)) {
            System.err.println("CliDocs: " + pages.count() + " man pages and bash completion in " + out);
        }
    }

    private static void unwrapped(CommandLine c) {
        c.getCommandSpec().usageMessage().width(Short.MAX_VALUE);
        for (CommandLine sub : c.getSubcommands().values()) unwrapped(sub);
    }

    /**
     * A command with several synopsis lines (cordon guard: guard, or --release) keeps them apart:
     * AsciiDoc joins the lines of a paragraph unless each ends in a hard line break (" +").
     */
    static String synopsisLinesKept(String adoc) {
        Matcher m = SYNOPSIS.matcher(adoc);
        if (!m.find()) return adoc;
        String lines = m.group(2).strip().replace("\n", " +\n");
        return adoc.substring(0, m.start(2)) + lines + "\n" + adoc.substring(m.end(2));
    }

    /** "cordon run -- COMMAND": AsciiDoc would print a standalone "--" as an em dash. */
    static String dashesKept(String adoc) {
        return STANDALONE_DASHES.matcher(adoc).replaceAll(" \\\\--$1");
    }

    private static final Pattern STANDALONE_DASHES = Pattern.compile(" --( |$)", Pattern.MULTILINE);

    private static final Pattern SYNOPSIS = Pattern.compile(
            "(== Synopsis\n\n)(.*?)\n(?=\n// end::picocli-generated-man-section-synopsis)", Pattern.DOTALL);

    private CliDocs() {}
}
