package dev.cordon.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** Cli.execute builds only the subcommand a command line names (start-up time), and nothing else changes. */
class CliTreeTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLine tree(String... args) {
        return Cli.create(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void aNamedSubcommandIsTheOnlyOneBuilt() {
        assertThat(tree("run", "--", "true").getSubcommands().keySet()).containsExactly("run");
        assertThat(tree("policy", "check", "x.yaml").getSubcommands().keySet()).containsExactly("policy");
        assertThat(tree("policy").getSubcommands().get("policy").getSubcommands().keySet()).containsExactly("check", "schema");
    }

    @Test
    void helpErrorsAndMisspeltNamesGetTheWholeTree() {
        for (String[] args : new String[][] {{}, {"--help"}, {"-V"}, {"rnu"}, {"--bogus", "run"}}) {
            assertThat(tree(args).getSubcommands().keySet()).as(String.join(" ", args)).containsExactlyElementsOf(Cli.SUBCOMMANDS);
        }
    }

    @Test
    void theFullTreeHasEverySubcommandInHelpOrder() {
        CommandLine all = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(all.getSubcommands().keySet()).containsExactly("run", "guard", "policy", "report", "suggest", "demo", "doctor", "gc");
    }

    @Test
    void settingsReachTheSubcommandBuiltAlone() {
        CommandLine run = tree("run").getSubcommands().get("run");
        assertThat(run.isStopAtPositional()).isTrue();
        assertThat(run.isCaseInsensitiveEnumValuesAllowed()).isTrue();
    }

    @Test
    void aUsageErrorOfTheSubcommandBuiltAloneReadsAsBefore() {
        int code = Cli.execute(new String[] {"run", "--bogus", "--", "true"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).isEqualTo(ExitCodes.CORDON_FAILED);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).isEqualTo("cordon: Unknown option: '--bogus'\nTry 'cordon run --help' for more information.\n");
    }
}
