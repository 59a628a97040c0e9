package dev.cordon.report.suggest;

import dev.cordon.policy.Cidr;
import dev.cordon.policy.DomainName;
import dev.cordon.policy.PolicyException;
import dev.cordon.policy.Reasons;
import dev.cordon.report.model.Attempt;
import dev.cordon.report.model.AttemptKind;
import dev.cordon.report.model.Executables;
import dev.cordon.report.model.ProcessNode;
import dev.cordon.report.model.RunModel;
import dev.cordon.report.model.Verdict;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A starting allowlist policy from an audit run: every domain the run used (allowed and audited
 * queries alike: in an audit run the would-be-blocked ones were still needed), grouped under a
 * parent only where that is safe, and every address it reached without a name. Each entry says
 * which commands needed it, so a reviewer can prune.
 */
public final class PolicySuggester {
    public static final int DEFAULT_GROUP_MIN = 3;
    private static final int COMMENT_COLUMN = 30;

    private PolicySuggester() {}

    /** What used one name: which programs, how often. */
    private static final class Use {
        final Set<String> programs = new LinkedHashSet<>();
        int count;
        boolean audited, outage;

        void add(Attempt a) {
            count++;
            programs.add(program(a));
            audited |= a.verdict() == Verdict.AUDITED;
            outage |= a.verdict() == Verdict.OUTAGE;
        }

        void addAll(Use u) {
            count += u.count;
            programs.addAll(u.programs);
            audited |= u.audited;
            outage |= u.outage;
        }
    }

    /**
     * @param groupMin collapse names onto {@code *.parent} when at least this many distinct ones share it
     */
    /** Reasons that mark an attempt as a way around the guard (see docs/THREAT-MODEL.md), never a dependency to allow. */
    static final Set<String> GUARD_REASONS = Set.of(Reasons.ENCRYPTED_DNS, Reasons.PRIVATE_ANSWER);

    public static String suggest(RunModel model, int groupMin) {
        Map<String, Use> names = new TreeMap<>();
        Map<String, Use> ips = new TreeMap<>();
        Set<String> skipped = new LinkedHashSet<>(), blocked = new LinkedHashSet<>(), rawSockets = new LinkedHashSet<>(),
                guarded = new LinkedHashSet<>();
        Set<String> named = new HashSet<>(); // addresses some answer gave: their name covers them
        for (ProcessNode p : model.processes()) for (Attempt a : p.attempts()) named.addAll(a.addresses());
        for (Attempt a : model.attempts()) {
            if (a.verdict() == Verdict.BLOCKED) {
                blocked.add(a.destination());
                continue;
            }
            if (a.reason() != null && GUARD_REASONS.contains(a.reason())) {
                // An encrypted-DNS resolver or a rebinding answer: allowing it would open a hole, not a dependency.
                guarded.add(a.destination() + " (" + a.reason() + ")");
                continue;
            }
            if (a.kind() == AttemptKind.SOCKET) {
                rawSockets.add(program(a));
                continue;
            }
            if (!a.domains().isEmpty()) {
                for (String d : a.domains()) {
                    String valid = valid(d);
                    if (valid == null) skipped.add(d);
                    else names.computeIfAbsent(valid, k -> new Use()).add(a);
                }
                continue;
            }
            if (a.ip() == null || a.port() == 53 || named.contains(a.ip())) continue; // DNS goes through cordon's proxy
            Cidr host;
            try {
                host = Cidr.parse(a.ip());
            } catch (PolicyException e) {
                continue;
            }
            byte[] addr = Cidr.unmapped(host.address());
            host = new Cidr(addr, addr.length * 8);
            if (loopback(host)) continue;
            Use u = ips.computeIfAbsent(host.toString(), k -> new Use());
            u.add(a);
            u.programs.remove(program(a));
            u.programs.add(program(a) + " (" + (a.proto() == null ? "" : a.proto() + "/") + a.port() + ")");
        }
        StringBuilder sb = new StringBuilder(1024);
        String cmd = model.run().cmd() != null ? model.run().cmd() : model.rootProcess() == null ? "?" : model.rootProcess().cmd();
        String mode = model.run().mode();
        sb.append("# cordon policy suggested from ").append(mode == null ? "a " : "audit".equals(mode) ? "an audit " : "an " + YamlText.comment(mode) + " ")
                .append("run of: ").append(YamlText.comment(cmd)).append('\n');
        if (model.run().start() != null) sb.append("# run started ").append(model.run().start()).append('\n');
        sb.append("# Every entry was needed by that run; anything else is denied. Review it before use.\n");
        sb.append(line("version: 1", null));
        sb.append(line("mode: enforce", "enforce | audit"));
        sb.append(line("default: deny", "allow | deny"));
        sb.append("allow:\n");
        List<String[]> domainLines = group(names, groupMin);
        sb.append(domainLines.isEmpty() ? "  domains: []\n" : "  domains:\n");
        for (String[] l : domainLines) sb.append(line("    - " + YamlText.scalar(l[0]), l[1]));
        sb.append(ips.isEmpty() ? "  cidrs: []\n" : "  cidrs:\n");
        ips.forEach((ip, u) -> sb.append(line("    - " + YamlText.scalar(ip), String.join(", ", u.programs))));
        sb.append("# dns:\n#   upstreams: [\"192.0.2.53\"]      # where cordon's proxy forwards queries; default: /etc/resolv.conf\n");
        if (!rawSockets.isEmpty()) {
            sb.append("# raw sockets were opened by: ").append(YamlText.comment(String.join(", ", rawSockets)))
                    .append(" (refused in enforce mode unless cordon run --allow-raw-sockets)\n");
        }
        if (!blocked.isEmpty()) {
            sb.append("# blocked in this run, so not allowed above: ").append(YamlText.comment(String.join(", ", blocked))).append('\n');
        }
        if (!guarded.isEmpty()) {
            sb.append("# left out on purpose, allowing them would bypass the guard: ").append(YamlText.comment(String.join(", ", guarded))).append('\n');
        }
        if (!skipped.isEmpty()) {
            sb.append("# not valid domain names, left out: ").append(YamlText.comment(String.join(", ", skipped))).append('\n');
        }
        return sb.toString();
    }

    /**
     * Domain entries, sorted by name: a name under another used name goes into that one's entry
     * (it already covers it); {@code groupMin} or more names under one registrable domain that
     * is not a public suffix or shared cloud domain become {@code *.parent}.
     */
    private static List<String[]> group(Map<String, Use> names, int groupMin) {
        Map<String, List<String>> byParent = new TreeMap<>();
        for (String n : names.keySet()) {
            String r = PublicSuffixes.shared(n) ? null : PublicSuffixes.registrable(n);
            byParent.computeIfAbsent(r == null ? n : r, k -> new ArrayList<>()).add(n);
        }
        Map<String, List<String>> entries = new TreeMap<>(); // pattern → names it covers
        byParent.forEach((parent, members) -> {
            if (members.contains(parent)) {
                entries.put(parent, members);
            } else if (members.size() >= groupMin && !PublicSuffixes.isSuffix(parent) && !PublicSuffixes.shared(parent)) {
                entries.put("*." + parent, members);
            } else {
                for (String m : members) entries.put(m, new ArrayList<>(List.of(m)));
            }
        });
        // a plain entry covers the names below it: fold them in
        for (String covered : new ArrayList<>(entries.keySet())) {
            if (covered.startsWith("*.") || !entries.containsKey(covered)) continue;
            for (String e : new ArrayList<>(entries.keySet())) {
                String bare = e.startsWith("*.") ? e.substring(2) : e;
                if (!e.equals(covered) && DomainName.isAtOrBelow(bare, covered) && !bare.equals(covered)) {
                    entries.get(covered).addAll(entries.remove(e));
                }
            }
        }
        List<String[]> out = new ArrayList<>();
        entries.forEach((pattern, members) -> {
            Use u = new Use();
            for (String m : members) u.addAll(names.get(m));
            String what = String.join(", ", u.programs);
            List<String> others = new ArrayList<>(members);
            others.remove(pattern);
            if (!others.isEmpty()) {
                List<String> shown = others.subList(0, Math.min(3, others.size()));
                String list = String.join(", ", shown) + (others.size() > 3 ? ", +" + (others.size() - 3) + " more" : "");
                what += pattern.startsWith("*.") ? "; " + others.size() + " names: " + list : "; also " + list;
            }
            if (u.audited) what += " (audited)";
            if (u.outage) what += "; down in this run (simulated)";
            out.add(new String[]{pattern, what});
        });
        return out;
    }

    private static String line(String yaml, String comment) {
        if (comment == null) return yaml + "\n";
        String pad = yaml.length() < COMMENT_COLUMN ? " ".repeat(COMMENT_COLUMN - yaml.length()) : " ";
        return yaml + pad + "# " + YamlText.comment(comment) + "\n";
    }

    /**
     * The program that made an attempt: the file name of what the kernel ran, so a disguised
     * program ({@code exec -a innocent curl}) is named for what it is; where that is unknown, the
     * command line's first word.
     */
    static String program(Attempt a) {
        if (a.exe() != null && !a.exe().isEmpty()) return Executables.baseName(a.exe());
        return program(a.cmd());
    }

    /** The program's name: the first word's last path component. */
    static String program(String cmd) {
        if (cmd == null || cmd.isBlank()) return "?";
        return Executables.baseName(cmd.strip().split("\\s+", 2)[0]);
    }

    private static String valid(String name) {
        try {
            return DomainName.parse(name);
        } catch (PolicyException e) {
            return null;
        }
    }

    private static boolean loopback(Cidr host) {
        byte[] a = Cidr.unmapped(host.address());
        if (a.length == 4) return a[0] == 127;
        for (int i = 0; i < 15; i++) if (a[i] != 0) return false;
        return a[15] == 1;
    }
}
