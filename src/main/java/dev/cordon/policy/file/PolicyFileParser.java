package dev.cordon.policy.file;

import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.EncryptedDns;
import dev.cordon.policy.Limits;
import dev.cordon.policy.Loopback;
import dev.cordon.policy.Mode;
import dev.cordon.policy.PolicyException;
import dev.cordon.policy.PortRange;
import dev.cordon.policy.Upstreams;
import dev.cordon.policy.file.YamlTree.Mapping;
import dev.cordon.policy.file.YamlTree.Node;
import dev.cordon.policy.file.YamlTree.Pair;
import dev.cordon.policy.file.YamlTree.Scalar;
import dev.cordon.policy.file.YamlTree.Sequence;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a policy file (format version 1) as a {@link YamlTree}, so every value keeps its line and
 * column. Collects every problem instead of stopping at the first, then runs
 * {@link RuleChecks} on the rules it could read.
 */
public final class PolicyFileParser {
    public static final int VERSION = 1;

    /** @param policy null when there are errors */
    public record Result(PolicyFile policy, List<PolicyProblem> problems) {
        public boolean valid() {
            return problems.stream().noneMatch(PolicyProblem::isError);
        }
    }

    private static final Pattern NAME_WITH_PORT = Pattern.compile("[^:\\[\\]]+:[0-9]+(-[0-9]+)?");

    private final List<PolicyProblem> problems = new ArrayList<>();

    private PolicyFileParser() {}

    public static Result read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    public static Result parse(String text, String source) {
        return new PolicyFileParser().run(text, source);
    }

    private Result run(String text, String source) {
        // YamlTree keeps duplicate keys; keys() reports them, with both positions
        LoadSettings settings = LoadSettings.builder().setLabel(source).setSchema(new CoreSchema()).build();
        Optional<Node> root;
        try {
            root = YamlTree.read(text, settings);
        } catch (MarkedYamlEngineException e) {
            Optional<Mark> m = e.getProblemMark().or(e::getContextMark);
            problems.add(PolicyProblem.error(m.map(k -> k.getLine() + 1).orElse(1), m.map(k -> k.getColumn() + 1).orElse(1),
                    "YAML syntax: " + e.getProblem() + (e.getContext() == null ? "" : " (" + e.getContext() + ")")));
            return done(null);
        } catch (YamlTree.Malformed e) {
            problems.add(PolicyProblem.error(e.line, e.column, e.getMessage()));
            return done(null);
        } catch (YamlEngineException e) {
            problems.add(PolicyProblem.error(1, 1, "YAML: " + e.getMessage()));
            return done(null);
        }
        if (root.isEmpty() || isNull(root.get())) {
            problems.add(PolicyProblem.error(1, 1, "the file is empty; a policy needs at least 'version: " + VERSION + "'"));
            return done(null);
        }
        if (!(root.get() instanceof Mapping top)) {
            error(root.get(), "the top level must be a mapping of keys such as version, mode, default, allow and deny");
            return done(null);
        }
        Map<String, Pair> keys = keys(top, PolicyKeys.TOP, "");
        version(keys.get("version"), top);
        Mode mode = choice(keys.get("mode"), Mode.class, "");
        Action defaultAction = choice(keys.get("default"), Action.class, "");
        Loopback loopback = choice(keys.get("loopback"), Loopback.class, "");
        Boolean raw = bool(keys.get("allowRawSockets"));
        EncryptedDns.Setting encryptedDns = choice(keys.get("encryptedDns"), EncryptedDns.Setting.class, "");
        Boolean privateAnswers = null;
        List<InetSocketAddress> upstreams = null;
        BlockedResponse blocked = null;
        Long timeout = null;
        Pair dnsPair = keys.get("dns");
        if (dnsPair != null && !isNull(dnsPair.value())) {
            if (dnsPair.value() instanceof Mapping dns) {
                Map<String, Pair> d = keys(dns, PolicyKeys.DNS, "dns.");
                upstreams = upstreams(d.get("upstreams"));
                blocked = choice(d.get("blockedResponse"), BlockedResponse.class, "dns.");
                timeout = timeout(d.get("upstreamTimeoutMs"));
                privateAnswers = bool(d.get("blockPrivateAnswers"));
            } else {
                error(dnsPair.value(), "'dns' must be a mapping with upstreams, blockedResponse, upstreamTimeoutMs or blockPrivateAnswers");
            }
        }
        Limits limits = limits(keys.get("limits"));
        List<PolicyFile.DomainEntry> domains = new ArrayList<>();
        List<PolicyFile.CidrEntry> cidrs = new ArrayList<>();
        rules(keys.get("allow"), Action.ALLOW, domains, cidrs);
        rules(keys.get("deny"), Action.DENY, domains, cidrs);

        PolicyFile policy = new PolicyFile(source, mode, defaultAction, loopback, raw, upstreams, blocked, timeout, domains, cidrs,
                encryptedDns, privateAnswers, limits);
        problems.addAll(RuleChecks.check(policy));
        return done(policy);
    }

    private Result done(PolicyFile policy) {
        List<PolicyProblem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparingInt(PolicyProblem::line).thenComparingInt(PolicyProblem::column));
        boolean ok = sorted.stream().noneMatch(PolicyProblem::isError);
        return new Result(ok ? policy : null, List.copyOf(sorted));
    }

    // ---- sections

    private void version(Pair t, Mapping top) {
        if (t == null) {
            error(top, "'version' is missing: add 'version: " + VERSION + "' at the top");
            return;
        }
        Node v = t.value();
        if (!(v instanceof Scalar s) || !Tag.INT.equals(s.tag())) {
            error(v, "'version' must be the number " + VERSION + ", not " + describe(v));
        } else if (!s.value().equals(Integer.toString(VERSION))) {
            error(v, "unsupported version " + s.value() + ": this cordon reads version " + VERSION);
        }
    }

    private void rules(Pair t, Action action, List<PolicyFile.DomainEntry> domains, List<PolicyFile.CidrEntry> cidrs) {
        if (t == null || isNull(t.value())) return;
        String section = action.label();
        if (!(t.value() instanceof Mapping m)) {
            error(t.value(), "'" + section + "' must be a mapping with 'domains' and/or 'cidrs'");
            return;
        }
        Map<String, Pair> k = keys(m, PolicyKeys.RULES, section + ".");
        for (Node item : list(k.get("domains"), section + ".domains", "domain names")) {
            domain(item, action).ifPresent(domains::add);
        }
        for (Node item : list(k.get("cidrs"), section + ".cidrs", "prefixes")) {
            cidr(item, action, section).ifPresent(cidrs::add);
        }
    }

    private Optional<PolicyFile.DomainEntry> domain(Node item, Action action) {
        if (item instanceof Mapping m) {
            boolean ports = m.pairs().stream().anyMatch(t -> "ports".equals(scalar(t.key())));
            error(item, ports
                    ? "ports on a domain rule are not supported: ports apply to CIDR rules; a domain rule covers every port"
                    : "a domain rule is a plain string such as github.com or \"*.github.com\"");
            return Optional.empty();
        }
        String text = string(item, "a domain name");
        if (text == null) return Optional.empty();
        if (text.indexOf(':') >= 0 && NAME_WITH_PORT.matcher(text).matches() && !text.contains("*:")) { // no regex for a plain name
            error(item, "ports on a domain rule are not supported ('" + text + "'): ports apply to CIDR rules; "
                    + "a domain rule covers every port");
            return Optional.empty();
        }
        try {
            return Optional.of(new PolicyFile.DomainEntry(DomainPattern.parse(text), action, item.line(), item.column()));
        } catch (PolicyException e) {
            error(item, e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<PolicyFile.CidrEntry> cidr(Node item, Action action, String section) {
        Node cidrNode = item;
        List<PortRange> ports = List.of();
        if (item instanceof Mapping m) {
            Map<String, Pair> k = keys(m, PolicyKeys.CIDR, section + ".cidrs[].");
            Pair c = k.get("cidr");
            if (c == null) {
                error(item, "a CIDR rule with ports needs 'cidr', e.g. {cidr: 192.0.2.0/24, ports: [443]}");
                return Optional.empty();
            }
            cidrNode = c.value();
            Pair p = k.get("ports");
            if (p != null) {
                Optional<List<PortRange>> parsed = ports(p.value());
                if (parsed.isEmpty()) return Optional.empty();
                ports = parsed.get();
            }
        }
        String text = string(cidrNode, "a prefix such as 10.0.0.0/8");
        if (text == null) return Optional.empty();
        try {
            return Optional.of(new PolicyFile.CidrEntry(Cidr.parse(text), ports, action, cidrNode.line(), cidrNode.column()));
        } catch (PolicyException e) {
            error(cidrNode, e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<List<PortRange>> ports(Node n) {
        if (!(n instanceof Sequence seq)) {
            error(n, "'ports' must be a list such as [443, \"8000-8100\"], not " + describe(n));
            return Optional.empty();
        }
        if (seq.items().isEmpty()) {
            error(n, "'ports' is empty: list ports, or leave 'ports' out for every port");
            return Optional.empty();
        }
        List<PortRange> out = new ArrayList<>();
        boolean ok = true;
        for (Node p : seq.items()) {
            if (!(p instanceof Scalar s) || !(Tag.INT.equals(s.tag()) || Tag.STR.equals(s.tag()))) {
                error(p, "a port is a number (443) or a range (\"8000-8100\"), not " + describe(p));
                ok = false;
                continue;
            }
            try {
                out.add(PortRange.parse(s.value()));
            } catch (PolicyException e) {
                error(p, e.getMessage());
                ok = false;
            }
        }
        return ok ? Optional.of(out) : Optional.empty();
    }

    private List<InetSocketAddress> upstreams(Pair t) {
        if (t == null) return null;
        List<Node> items = list(t, "dns.upstreams", "IP[:PORT] addresses");
        if (items.isEmpty()) {
            if (t.value() instanceof Sequence) {
                error(t.value(), "'dns.upstreams' is empty: list servers, or leave it out for /etc/resolv.conf");
            }
            return null;
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (Node n : items) {
            String text = string(n, "IP[:PORT]");
            if (text == null) continue;
            try {
                out.add(Upstreams.parse(text));
            } catch (PolicyException e) {
                error(n, e.getMessage());
            }
        }
        return out.size() == items.size() ? out : null;
    }

    /** {@code limits: {memory: 512M, cpu: 0.5, pids: 100}}; the values read as the options --memory, --cpu, --pids do. */
    private Limits limits(Pair t) {
        if (t == null || isNull(t.value())) return Limits.NONE;
        if (!(t.value() instanceof Mapping m)) {
            error(t.value(), "'limits' must be a mapping with memory, cpu and/or pids");
            return Limits.NONE;
        }
        Map<String, Pair> k = keys(m, PolicyKeys.LIMITS, "limits.");
        return new Limits(limit(k.get("memory"), Limits::parseMemory), limit(k.get("cpu"), Limits::parseCpu),
                limit(k.get("pids"), Limits::parsePids), limit(k.get("egressRate"), Limits::parseRate));
    }

    private <T> T limit(Pair t, java.util.function.Function<String, T> parse) {
        if (t == null) return null;
        Node v = t.value();
        if (!(v instanceof Scalar s) || !(Tag.INT.equals(s.tag()) || Tag.FLOAT.equals(s.tag()) || Tag.STR.equals(s.tag()))) {
            error(v, "'limits." + scalar(t.key()) + "' must be a value such as 512M, 0.5 or 100, not " + describe(v));
            return null;
        }
        try {
            return parse.apply(s.value());
        } catch (PolicyException e) {
            error(v, "'limits." + scalar(t.key()) + "': " + e.getMessage());
            return null;
        }
    }

    private Long timeout(Pair t) {
        if (t == null) return null;
        Node v = t.value();
        if (!(v instanceof Scalar s) || !Tag.INT.equals(s.tag())) {
            error(v, "'dns.upstreamTimeoutMs' must be a number of milliseconds, not " + describe(v));
            return null;
        }
        try {
            long ms = Long.parseLong(s.value());
            if (ms >= 1 && ms <= 600_000) return ms;
        } catch (NumberFormatException e) {
            // out of range for a long: reported below
        }
        error(v, "'dns.upstreamTimeoutMs' must be from 1 to 600000 ms, not " + s.value());
        return null;
    }

    // ---- value helpers

    /** The mapping's keys (unknown and duplicate ones reported), in file order. */
    private Map<String, Pair> keys(Mapping m, String mapping, String prefix) {
        List<String> known = PolicyKeys.BY_MAPPING.get(mapping);
        Map<String, Pair> out = new LinkedHashMap<>();
        for (Pair t : m.pairs()) {
            Node k = t.key();
            String name = scalar(k);
            if (name == null) {
                error(k, "keys must be plain words such as " + known.getFirst());
                continue;
            }
            if (!known.contains(name)) {
                String near = PolicyKeys.nearest(name, known);
                error(k, "unknown key '" + prefix + name + "'" + (near != null ? "; did you mean '" + near + "'?"
                        : "; known here: " + String.join(", ", known)));
                continue;
            }
            Pair first = out.get(name);
            if (first != null) {
                error(k, "duplicate key '" + prefix + name + "' (first at line " + first.key().line() + ")");
                continue;
            }
            out.put(name, t);
        }
        return out;
    }

    private List<Node> list(Pair t, String key, String what) {
        if (t == null || isNull(t.value())) return List.of();
        if (t.value() instanceof Sequence s) return s.items();
        error(t.value(), "'" + key + "' must be a list of " + what + ", not " + describe(t.value()));
        return List.of();
    }

    private <E extends Enum<E>> E choice(Pair t, Class<E> type, String prefix) {
        if (t == null) return null;
        String key = prefix + scalar(t.key());
        Node v = t.value();
        String allowed = String.join(" | ", Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList());
        String text = v instanceof Scalar s && Tag.STR.equals(s.tag()) ? s.value() : null;
        for (E c : type.getEnumConstants()) if (c.name().equalsIgnoreCase(text)) return c;
        error(v, "'" + key + "' must be " + allowed + ", not " + describe(v));
        return null;
    }

    private Boolean bool(Pair t) {
        if (t == null) return null;
        Node v = t.value();
        if (v instanceof Scalar s && Tag.BOOL.equals(s.tag())) return Boolean.parseBoolean(s.value().toLowerCase(Locale.ROOT));
        error(v, "'" + scalar(t.key()) + "' must be true or false, not " + describe(v));
        return null;
    }

    private String string(Node n, String what) {
        if (n instanceof Scalar s && !Tag.NULL.equals(s.tag())) return s.value();
        error(n, "expected " + what + ", not " + describe(n));
        return null;
    }

    private static String scalar(Node n) {
        return n instanceof Scalar s ? s.value() : null;
    }

    private static boolean isNull(Node n) {
        return n instanceof Scalar s && Tag.NULL.equals(s.tag());
    }

    /** What the user wrote, for "must be X, not Y" messages. */
    private static String describe(Node n) {
        if (n instanceof Sequence) return "a list";
        if (n instanceof Mapping) return "a mapping";
        if (isNull(n)) return "nothing";
        String v = ((Scalar) n).value();
        return "'" + (v.length() > 60 ? v.substring(0, 60) + "..." : v) + "'";
    }

    private void error(Node n, String message) {
        problems.add(PolicyProblem.error(n.line(), n.column(), message));
    }
}
