package dev.cordon.dns;

import dev.cordon.policy.DomainName;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SVCBBase;
import org.xbill.DNS.Section;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * What an answer leads to: every name of its answer section (owners, CNAME/DNAME and SVCB/HTTPS
 * targets), in order and each once, and every address (A, AAAA, SVCB/HTTPS hints) with the name
 * that owns it and its TTL. Every name is decided; the addresses are learned.
 */
record AnswerChain(List<String> names, List<Addr> addresses) {
    /** An address of the answer: {@code owner} is the name whose record gave it. */
    record Addr(InetAddress ip, String owner, long ttl) {}

    AnswerChain {
        names = List.copyOf(names);
        addresses = List.copyOf(addresses);
    }

    /** The names other than {@code asked}: what the query also depended on (the events' chain field). */
    List<String> others(String asked) {
        List<String> out = new ArrayList<>(names.size());
        for (String n : names) if (!n.equals(asked)) out.add(n);
        return out;
    }

    List<String> addressTexts() {
        List<String> out = new ArrayList<>(addresses.size());
        for (Addr a : addresses) out.add(a.ip().getHostAddress());
        return out;
    }

    /** The same chain {@code seconds} later: every TTL counted down (never below 0). */
    AnswerChain aged(long seconds) {
        if (seconds <= 0) return this;
        List<Addr> out = new ArrayList<>(addresses.size());
        for (Addr a : addresses) out.add(new Addr(a.ip(), a.owner(), Math.max(0, a.ttl() - seconds)));
        return new AnswerChain(names, out);
    }

    /** The chain of an answer dnsjava parsed (the fallback for answers {@link UpstreamAnswer} does not read itself). */
    static AnswerChain of(Message answer) {
        List<String> names = new ArrayList<>();
        List<Addr> addrs = new ArrayList<>();
        for (Record r : answer.getSection(Section.ANSWER)) {
            String owner = DomainName.absolute(r.getName().toString());
            addOnce(names, owner);
            switch (r) {
                case CNAMERecord c -> addOnce(names, DomainName.absolute(c.getTarget().toString()));
                case DNAMERecord d -> addOnce(names, DomainName.absolute(d.getTarget().toString()));
                case ARecord a -> addrs.add(new Addr(a.getAddress(), owner, r.getTTL()));
                case AAAARecord a -> addrs.add(new Addr(a.getAddress(), owner, r.getTTL()));
                case SVCBBase s -> svcb(s, owner, names, addrs);
                default -> { }
            }
        }
        return new AnswerChain(names, addrs);
    }

    private static void svcb(SVCBBase s, String owner, List<String> names, List<Addr> addrs) {
        Name target = s.getTargetName();
        if (target != null && !target.equals(Name.root)) addOnce(names, DomainName.absolute(target.toString()));
        try {
            if (s.getSvcParamValue(SVCBBase.IPV4HINT) instanceof SVCBBase.ParameterIpv4Hint h) {
                for (InetAddress ip : h.getAddresses()) addrs.add(new Addr(ip, owner, s.getTTL()));
            }
            if (s.getSvcParamValue(SVCBBase.IPV6HINT) instanceof SVCBBase.ParameterIpv6Hint h) {
                for (InetAddress ip : h.getAddresses()) addrs.add(new Addr(ip, owner, s.getTTL()));
            }
        } catch (UnknownHostException e) {
            // a hint of the wrong length: nothing usable to learn from it
        }
    }

    static void addOnce(List<String> names, String n) {
        if (!names.contains(n)) names.add(n);
    }
}
