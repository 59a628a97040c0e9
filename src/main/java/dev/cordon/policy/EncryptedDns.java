package dev.cordon.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Encrypted DNS (DoH, DoT, DoQ) bypasses cordon's proxy, so by default its well-known endpoints are
 * denied: the names and addresses of public resolvers ({@code encrypted-dns.txt} in the jar, plus
 * any {@code --encrypted-dns-list}) and port 853 on every address.
 *
 * <p>How the rules compose with the user's (the user's explicit word wins, nothing else does):
 * <ul>
 *   <li>a listed name or prefix the user names with a rule of their own (same pattern, same
 *       prefix) is left to that rule; a more specific user rule wins as always, a less specific
 *       one ({@code --allow-cidr 8.8.0.0/16}) does not unblock the listed address;</li>
 *   <li>port 853 is denied on 0.0.0.0/0 and ::/0 and on every prefix the user (or loopback:
 *       allow) allows on all ports, so a broad allow does not reopen DoT; only a rule that names
 *       port 853 itself ({@code {cidr: 10.0.0.53, ports: [853]}}) allows it.</li>
 * </ul>
 * Plain DNS to a listed resolver still works: the kernel redirects port 53 to the proxy before any
 * address rule is looked at.
 */
public final class EncryptedDns {
    /** Origin of every rule this class makes (an extra list's: {@code encrypted-dns:FILE:LINE}). */
    public static final String ORIGIN = "encrypted-dns";
    /** DNS over TLS (RFC 7858) and over QUIC (RFC 9250). */
    public static final int DOT_PORT = 853;
    static final String RESOURCE = "encrypted-dns.txt";
    private static final Pattern LOOKS_LIKE_IP = Pattern.compile("[0-9.]+(/[0-9]+)?|.*:.*");

    /** Whether the policy blocks encrypted DNS (the {@code encryptedDns} key). */
    public enum Setting {
        BLOCK, ALLOW;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One list: names (each with its subdomains) and prefixes, each with the origin its rules carry. */
    public record EndpointList(List<DomainRule> names, List<IpRule> prefixes) {
        public EndpointList {
            names = List.copyOf(names);
            prefixes = List.copyOf(prefixes);
        }
    }

    private EncryptedDns() {}

    public static boolean isOrigin(String origin) {
        return origin != null && (origin.equals(ORIGIN) || origin.startsWith(ORIGIN + ":"));
    }

    /** The list shipped in the jar. */
    public static EndpointList builtIn() {
        try (InputStream in = EncryptedDns.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the jar");
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), null);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + " from the jar: " + e.getMessage(), e);
        }
    }

    /** A user's list in the same format. @throws PolicyException naming the file and line of a bad entry */
    public static EndpointList read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new PolicyException("cannot read encrypted-DNS list " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /**
     * One entry per line, {@code #} comments: a domain name, or an address or prefix.
     *
     * @param source the file's name for origins and errors, or null for the built-in list
     */
    public static EndpointList parse(String text, String source) {
        List<DomainRule> names = new ArrayList<>();
        List<IpRule> prefixes = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            String entry = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (entry.isEmpty()) continue;
            String where = (source == null ? RESOURCE : source) + ":" + (i + 1);
            String origin = source == null ? ORIGIN : ORIGIN + ":" + source + ":" + (i + 1);
            if (entry.chars().anyMatch(Character::isWhitespace)) {
                throw new PolicyException(where + ": one name or address per line, not '" + entry + "'");
            }
            try {
                if (LOOKS_LIKE_IP.matcher(entry).matches()) prefixes.add(new IpRule(Cidr.parse(entry), Action.DENY, origin));
                else names.add(new DomainRule(DomainPattern.parse(entry), Action.DENY, origin));
            } catch (PolicyException e) {
                throw new PolicyException(where + ": " + e.getMessage());
            }
        }
        return new EndpointList(names, prefixes);
    }

    /** The name rules to add: every listed name no user rule names. */
    public static List<DomainRule> domainRules(List<EndpointList> lists, List<DomainRule> user) {
        Set<DomainPattern> named = new LinkedHashSet<>();
        for (DomainRule r : user) named.add(r.pattern());
        List<DomainRule> out = new ArrayList<>();
        for (EndpointList l : lists) {
            for (DomainRule r : l.names()) if (named.add(r.pattern())) out.add(r);
        }
        return out;
    }

    /** The prefix rules to add to the user's {@code user} rules (see the class comment). */
    public static List<IpRule> ipRules(List<EndpointList> lists, List<IpRule> user, Loopback loopback) {
        Set<Cidr> named = new LinkedHashSet<>();
        for (IpRule r : user) named.add(r.cidr());
        List<IpRule> out = new ArrayList<>();
        for (EndpointList l : lists) {
            for (IpRule r : l.prefixes()) if (named.add(r.cidr())) out.add(r);
        }
        Set<Cidr> dot = new LinkedHashSet<>(List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0")));
        for (IpRule r : user) if (r.action() == Action.ALLOW && r.allPorts()) dot.add(r.cidr());
        if (loopback == Loopback.ALLOW) dot.addAll(IpPolicy.LOOPBACK_PREFIXES);
        Set<Cidr> explicit = new java.util.HashSet<>(); // prefixes a user rule names port 853 on
        for (IpRule r : user) if (!r.allPorts() && r.coversPort(DOT_PORT)) explicit.add(r.cidr());
        for (Cidr c : dot) {
            if (!explicit.contains(c)) out.add(new IpRule(c, Action.DENY, ORIGIN, List.of(PortRange.of(DOT_PORT))));
        }
        return out;
    }
}
