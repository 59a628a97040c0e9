package dev.cordon.dns;

import dev.cordon.policy.Action;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainRule;
import dev.cordon.policy.EncryptedDns;
import dev.cordon.policy.OutagePlan;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Resolves the denied names of the policy before the command starts (A and AAAA), and learns
 * their addresses as denied. That is what catches {@code curl --resolve}, an /etc/hosts entry or a
 * hard-coded IP of a blocked service, which never ask DNS. Wildcard rules have no name to ask.
 * The names of a simulated outage are resolved the same way, so their known addresses look down too.
 */
public final class BlockedNamePrefetch {
    private BlockedNamePrefetch() {}

    /** @return the number of addresses learned */
    public static int run(DomainPolicy policy, Upstream upstream, LearnedAddresses learned) {
        List<String> names = new ArrayList<>();
        for (DomainRule r : policy.rules()) {
            // The encrypted-DNS list carries its resolvers' addresses itself: no ~100 lookups at every start.
            if (r.action() == Action.DENY && !r.pattern().subdomainsOnly() && !EncryptedDns.isOrigin(r.origin())) {
                names.add(r.pattern().suffix() + ".");
            }
        }
        return resolveAll(names, upstream, learned::learnDenied);
    }

    /** Learns the addresses of the --simulate-outage names as down. @return the number learned */
    public static int outage(OutagePlan plan, Upstream upstream, LearnedAddresses learned) {
        List<String> names = new ArrayList<>();
        for (DomainPattern p : plan.domains()) if (!p.subdomainsOnly()) names.add(p.suffix() + ".");
        return resolveAll(names, upstream, learned::learnOutage);
    }

    private interface Learn {
        void learn(InetAddress ip, String name, long ttlSeconds);
    }

    private static int resolveAll(List<String> names, Upstream upstream, Learn learned) {
        if (names.isEmpty()) return 0;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> results = new ArrayList<>();
            for (String n : names) {
                for (int type : new int[] {Type.A, Type.AAAA}) results.add(pool.submit(() -> resolve(n, type, upstream, learned)));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                try {
                    total += f.get();
                } catch (Exception e) {
                    // an unresolvable blocked name is no error: there is nothing to connect to either
                }
            }
            return total;
        }
    }

    private static int resolve(String name, int type, Upstream upstream, Learn learned) throws Exception {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name), type, org.xbill.DNS.DClass.IN));
        q.getHeader().setFlag(Flags.RD);
        Message answer = new Message(upstream.exchange(q.toWire(), Transport.UDP));
        if (answer.getHeader().getFlag(Flags.TC)) answer = new Message(upstream.exchange(q.toWire(), Transport.TCP));
        int n = 0;
        for (Record r : answer.getSection(Section.ANSWER)) {
            InetAddress ip = switch (r) {
                case org.xbill.DNS.ARecord a -> a.getAddress();
                case org.xbill.DNS.AAAARecord a -> a.getAddress();
                default -> null;
            };
            if (ip != null) {
                learned.learn(ip, name, r.getTTL());
                n++;
            }
        }
        return n;
    }
}
