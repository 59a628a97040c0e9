package dev.cordon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rule options of {@code cordon run} and {@code cordon guard} ({@code --allow}, {@code --deny},
 * {@code --allow-cidr}, {@code --deny-cidr}), read before picocli parses the rest of the command
 * line. picocli checks every option value it consumes against every option name and tries to read
 * it as a number, with an exception each time: about 15 µs a value, 1.5 s for 100k rules. Here each
 * value goes through the option's own converter, in order, and is added to the option's list once
 * picocli has parsed the rest, as picocli would have added it.
 *
 * <p>Whatever this cannot read exactly as picocli would (an {@code @file}, an option it does not
 * know or whose arity varies, a value that starts with "-" or does not convert) leaves the whole command line to
 * picocli, which then parses or rejects it as before.
 */
final class RuleArgs {
    private RuleArgs() {}

    static final Set<String> RULE_OPTIONS = Set.of("--allow", "--deny", "--allow-cidr", "--deny-cidr");

    /** The command line without its rule options, and their values by option, in order. */
    record Split(String[] rest, Map<OptionSpec, List<Object>> values) {
        /** Adds the values to their options, after picocli parsed {@link #rest}. */
        void apply() {
            values.forEach((option, list) -> {
                List<Object> all = new ArrayList<>(option.<List<Object>>getValue());
                all.addAll(list);
                option.setValue(all);
            });
        }
    }

    /**
     * @param args    the whole command line, the subcommand's name first
     * @param command the subcommand {@code args[0]} names
     * @return empty when there are no rule options, or when picocli must see the command line as it is
     */
    static Optional<Split> split(String[] args, CommandSpec command) {
        List<String> rest = new ArrayList<>(args.length);
        Map<OptionSpec, List<Object>> values = new LinkedHashMap<>();
        Map<String, Optional<Kind>> kinds = new HashMap<>(); // picocli's findOption interpolates every name it compares
        rest.add(args[0]);
        int i = 1;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--") || !a.startsWith("-") || a.equals("-")) break; // the end of the options: the command follows
            if (a.startsWith("@")) return Optional.empty();
            int eq = a.startsWith("--") ? a.indexOf('=') : -1;
            String name = eq < 0 ? a : a.substring(0, eq);
            Kind kind = kinds.computeIfAbsent(name, n -> Kind.of(command.findOption(n), n)).orElse(null);
            if (kind == null) return Optional.empty();
            if (!kind.rule()) {
                rest.add(a);
                if (kind.takesValue() && eq < 0 && i + 1 < args.length) rest.add(args[++i]);
                continue;
            }
            OptionSpec option = kind.option();
            String value;
            if (eq >= 0) value = a.substring(eq + 1);
            else if (i + 1 < args.length) value = args[++i];
            else return Optional.empty();
            if (value.startsWith("-")) return Optional.empty(); // picocli may take it for an option: its call
            try {
                values.computeIfAbsent(option, o -> new ArrayList<>()).add(option.converters()[0].convert(value));
            } catch (Exception e) {
                return Optional.empty();
            }
        }
        if (values.isEmpty()) return Optional.empty();
        for (; i < args.length; i++) rest.add(args[i]);
        return Optional.of(new Split(rest.toArray(String[]::new), values));
    }

    /** How an option is read here: a rule option's values are taken out, any other is passed on. */
    private record Kind(OptionSpec option, boolean takesValue, boolean rule) {
        /** Empty when picocli must read the command line itself: an unknown option, a varying arity, a split regex. */
        static Optional<Kind> of(OptionSpec option, String name) {
            if (option == null || option.arity().min() != option.arity().max() || option.arity().max() > 1) return Optional.empty();
            boolean takesValue = option.arity().max() == 1;
            if (!RULE_OPTIONS.contains(name) || !option.isMultiValue()) return Optional.of(new Kind(option, takesValue, false));
            if (!takesValue || !option.splitRegex().isEmpty()) return Optional.empty();
            return Optional.of(new Kind(option, true, true));
        }
    }

    /** Runs {@code cl} on {@code args}, the rule options read here when they can be. */
    static int execute(CommandLine cl, String[] args) {
        CommandLine sub = args.length == 0 ? null : cl.getSubcommands().get(args[0]);
        Optional<Split> split = sub == null ? Optional.empty() : split(args, sub.getCommandSpec());
        if (split.isEmpty()) return cl.execute(args);
        cl.setExecutionStrategy(parsed -> {
            split.get().apply();
            return new CommandLine.RunLast().execute(parsed);
        });
        return cl.execute(split.get().rest());
    }
}
