package dev.cordon.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Rule options read before picocli (RuleArgs): every command line parses, runs or fails exactly as picocli alone does. */
class RuleArgsTest {
    /** What a run's command line came to: exit code, output, and what the session was given (null: none started). */
    record Outcome(int code, String out, String err, String session) {}

    private static Outcome run(boolean prepass, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true), args);
        RunCommand rc = cl.getSubcommands().get("run").getCommand();
        String[] session = new String[1];
        rc.sessionRunner = o -> {
            PolicyOptions p = rc.policy;
            session[0] = "allow " + p.allowDomains + " deny " + p.denyDomains + " allow-cidr " + p.allowCidrs + " deny-cidr "
                    + p.denyCidrs + " rules " + o.policy().rules() + " command " + o.command() + " mode " + o.mode()
                    + " upstreams " + p.upstreams + " raw " + o.allowRawSockets();
            return 0;
        };
        int code = prepass ? RuleArgs.execute(cl, args) : cl.execute(args);
        return new Outcome(code, out.toString(), err.toString(), session[0]);
    }

    private static void same(String... args) {
        Outcome picocli = run(false, args), here = run(true, args);
        assertThat(here).as(String.join(" ", args)).isEqualTo(picocli);
    }

    @Test
    void ruleOptionsAreReadAsPicocliReadsThem() {
        same("run", "--deny-cidr", "10.0.0.1", "--deny=github.com", "--allow-cidr=10.1.0.0/16", "--mode", "audit",
                "--allow", "api.github.com", "--upstream", "127.0.0.1:53", "--deny-cidr", "2001:db8::/32", "--", "true");
        same("run", "--deny", "a.example", "--no-summary", "--deny", "*.b.example", "curl", "--deny", "c.example");
        same("run", "--allow-cidr", "127.0.0.5", "--default", "deny", "--upstream=127.0.0.1:5353", "--", "sh", "-c", "--deny-cidr x");
        same("run", "--mode", "enforce", "--", "true"); // no rule options: picocli alone
    }

    @Test
    void whatPicocliRejectsItStillRejects() {
        same("run", "--deny-cidr", "10.0.0.0/33", "--", "true");
        same("run", "--deny-cidr=", "--", "true");
        same("run", "--deny-cidr");
        same("run", "--deny", "github.com", "--no-such-option", "--", "true");
        same("run", "--mode", "--deny", "github.com", "--", "true");
        same("run", "--deny-cidr", "--mode", "audit", "--", "true");
        same("run", "--deny", "a.example", "--upstream", "--deny", "b.example", "--", "true");
        same("run", "--deny", "a.example", "-hV", "--", "true");
        same("run", "--deny", "a.example", "@rules.txt", "--", "true");
        same("run", "--deny", "a.example");
        same("run", "--deny", "a.example", "--help");
    }

    @Test
    void randomCommandLinesComeOutTheSame() {
        String[][] words = {{"--deny", "github.com"}, {"--deny=api.github.com"}, {"--allow", "*.example.com"}, {"--allow-cidr", "10.0.0.0/8"},
                {"--deny-cidr=192.0.2.7"}, {"--deny-cidr", "300.1.1.1"}, {"--mode", "audit"}, {"--no-summary"}, {"--allow-raw-sockets"},
                {"--upstream", "127.0.0.1:53"}, {"--default=deny"}, {"--"}, {"true"}, {"--deny"}, {"-"}, {"--events", "e.jsonl"},
                {"--deny=-x.example"}, {"--allow", "--mode"}, {"--deny-cidr="}, {"@args"}, {"-V"}};
        Random random = new Random(14);
        for (int n = 0; n < 400; n++) {
            List<String> args = new ArrayList<>(List.of("run"));
            int len = random.nextInt(8);
            for (int i = 0; i < len; i++) args.addAll(List.of(words[random.nextInt(words.length)]));
            if (random.nextBoolean()) args.addAll(List.of("--", "true"));
            same(args.toArray(String[]::new));
        }
    }

    @Test
    void guardsRuleOptionsTooParseAsPicocliParsesThem() {
        String[] args = {"guard", "--cgroup", "deploy", "--deny", "github.com", "--deny-cidr=10.0.0.0/8", "--mode", "audit", "--allow", "x.example"};
        CommandLine plain = Cli.create(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), args);
        plain.parseArgs(args);
        PolicyOptions expected = ((GuardCommand) plain.getSubcommands().get("guard").getCommand()).policy;

        CommandLine fast = Cli.create(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), args);
        CommandLine guard = fast.getSubcommands().get("guard");
        RuleArgs.Split split = RuleArgs.split(args, guard.getCommandSpec()).orElseThrow();
        assertThat(split.rest()).containsExactly("guard", "--cgroup", "deploy", "--mode", "audit");
        fast.parseArgs(split.rest());
        split.apply();
        PolicyOptions got = ((GuardCommand) guard.getCommand()).policy;
        assertThat(got.denyDomains).isEqualTo(expected.denyDomains);
        assertThat(got.denyCidrs).isEqualTo(expected.denyCidrs);
        assertThat(got.allowDomains).isEqualTo(expected.allowDomains);
        assertThat(got.mode).isEqualTo(expected.mode);
    }
}
