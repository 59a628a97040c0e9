package dev.cordon.dns;

import dev.cordon.events.DnsEvent;
import dev.cordon.events.EventSink;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.NetAttempt;
import dev.cordon.events.ProcessRef;
import dev.cordon.events.ProcessTable;
import dev.cordon.events.Verdict;
import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.DomainName;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import dev.cordon.policy.OutageStyle;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DNAMERecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SVCBBase;
import org.xbill.DNS.Section;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One fuzz input run through {@link QueryHandler#handle} with in-memory fakes for every seam, and
 * the properties every input must keep. Throws {@link AssertionError} naming the broken property.
 *
 * <p>Input layout (so seeds are easy to write by hand, see {@link FuzzSeeds}):
 * <pre>
 *   byte 0       settings: bit0 audit, bit1 TCP client, bit2 default deny, bit3 REFUSED for blocked names,
 *                bits4-5 outage style for down.test (0 none, 1 timeout 1 ms, 2 servfail, 3 refuse),
 *                bit6 the kernel has no sender (as for a nested guard's proxy: an {@link OwnerOption} with
 *                {@link #TOKEN} may name one)
 *   byte 1       what upstream does: 0 answer the raw bytes, 1 answer a header + the query's question +
 *                the raw bytes (so records can point into the question), 2 time out, 3 like 1 but
 *                truncated (TC) over UDP and whole over TCP
 *   bytes 2-3    query length N (big-endian, as DNS over TCP frames it), then N bytes of query
 *   rest         upstream's bytes (for 1 and 3: bytes 0-1 flags, 2-7 AN/NS/AR counts, then records)
 * </pre>
 */
final class DnsFuzzCase {
    static final int PID = 4242;
    /** The chain token the fuzzed proxy believes owner options by. */
    static final byte[] TOKEN = "fuzz-chain-token".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Generous: a query's work is microseconds; this only catches loops and blow-ups. */
    static final Duration MAX_TIME = Duration.ofSeconds(2);

    /** The policy every input runs under: blocked.test and *.evil.test denied, ok.test allowed. */
    static DomainPolicy policy(boolean defaultDeny) {
        return DomainPolicy.of(
                List.of(DomainPattern.parse("ok.test"), DomainPattern.parse("allowed.blocked.test")),
                List.of(DomainPattern.parse("blocked.test"), DomainPattern.parse("*.evil.test")),
                defaultDeny ? Action.DENY : Action.ALLOW);
    }

    private DnsFuzzCase() {}

    static void check(byte[] input) {
        check(input, true);
    }

    private static void check(byte[] input, boolean timed) {
        if (input.length < 4) return;
        int settings = input[0] & 0xff;
        int upstreamMode = input[1] & 0x03;
        int qlen = ((input[2] & 0xff) << 8) | (input[3] & 0xff);
        int qend = Math.min(input.length, 4 + qlen);
        byte[] raw = java.util.Arrays.copyOfRange(input, 4, qend);
        byte[] upstreamBytes = java.util.Arrays.copyOfRange(input, qend, input.length);

        Mode mode = (settings & 1) != 0 ? Mode.AUDIT : Mode.ENFORCE;
        Transport transport = (settings & 2) != 0 ? Transport.TCP : Transport.UDP;
        DomainPolicy policy = policy((settings & 4) != 0);
        BlockedResponse blocked = (settings & 8) != 0 ? BlockedResponse.REFUSED : BlockedResponse.NXDOMAIN;
        OutagePlan outage = switch ((settings >> 4) & 3) {
            case 1 -> new OutagePlan(List.of(DomainPattern.parse("down.test")), OutageStyle.TIMEOUT, Duration.ofMillis(1));
            case 2 -> new OutagePlan(List.of(DomainPattern.parse("down.test")), OutageStyle.SERVFAIL, Duration.ofMillis(1));
            case 3 -> new OutagePlan(List.of(DomainPattern.parse("down.test")), OutageStyle.REFUSE, Duration.ofMillis(1));
            default -> OutagePlan.NONE;
        };

        FakeUpstream upstream = new FakeUpstream(upstreamMode, upstreamBytes);
        LearnKernel kernel = new LearnKernel();
        LearnedAddresses learned = new LearnedAddresses(kernel, LearnedAddresses.Ttl.DEFAULT, 64);
        ProcessTable processes = new ProcessTable(8);
        processes.onExec(new ExecEvent(1, new ProcessRef(PID, PID, "dig", 1), 1, List.of("dig", "x"), false, null, null));
        Events sink = new Events();
        DnsCounters counters = new DnsCounters();
        QueryHandler handler = new QueryHandler(new Rules(policy, mode, blocked, outage, false), upstream, learned, new AnswerCache(8),
                new QueryReports((port, txid, t) -> (settings & 0x40) != 0 ? Optional.empty() : Optional.of(new ProcessRef(PID, PID + 1, "dig", 1)),
                        processes, sink, counters, true, new ProxyChain(TOKEN, null)),
                counters);

        long start = System.nanoTime();
        byte[] reply;
        try {
            reply = handler.handle(raw, new Client(40_000, transport));
        } catch (Throwable t) {
            throw new AssertionError("handle threw " + t, t);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (timed && took.compareTo(MAX_TIME) > 0) {
            // The first inputs load and instrument classes, and other builds share the CPUs: only an
            // input that is slow again, on a fresh handler, is a finding.
            Duration again = timeAgain(input);
            if (again.compareTo(MAX_TIME) > 0) throw new AssertionError("one query took " + took + ", and " + again + " again");
        }

        Message query = parseOrNull(raw);
        checkReply(raw, query, reply, transport);
        Message replyMsg = reply == null ? null : parseOrNull(reply);

        // The same query again, answered at the judge's first step if it can be (cached, or blocked): the same properties hold.
        byte[] again = null;
        if (Query.parse(raw, new DnsCounters()) instanceof Query q) {
            try {
                if (handler.judge().question(q, new Client(40_000, transport), System.nanoTime()) instanceof Judge.Reply r) {
                    again = r.bytes();
                }
            } catch (Throwable t) {
                throw new AssertionError("the first step threw " + t, t);
            }
            checkReply(raw, query, again, transport);
        }
        Message againMsg = again == null ? null : parseOrNull(again);

        String qname = query == null || query.getQuestion() == null ? null : query.getQuestion().getName().toString();

        // An answer naming a blocked name never reaches the command with addresses in enforce mode.
        if (mode == Mode.ENFORCE && replyMsg != null) checkNoAddressesForBlocked(policy, qname, replyMsg);
        if (mode == Mode.ENFORCE && againMsg != null) checkNoAddressesForBlocked(policy, qname, againMsg);

        // No address is ever learned as allowed for a blocked name, in either mode.
        for (String ip : kernel.allowed) {
            List<String> names = learned.namesFor(InetAddress.ofLiteral(ip).getAddress()).allowed();
            for (String n : names) {
                if (policy.decide(n).denied()) throw new AssertionError(ip + " learned as allowed for blocked " + n);
            }
        }
        if (!kernel.allowed.isEmpty()) {
            Set<String> upstreamNames = new LinkedHashSet<>();
            if (qname != null) upstreamNames.add(qname);
            for (byte[] a : upstream.answers) {
                Message m = parseOrNull(a);
                if (m != null) upstreamNames.addAll(Chain.of(m).names);
            }
            for (String n : upstreamNames) {
                if (policy.decide(n).denied()) {
                    throw new AssertionError("learned " + kernel.allowed + " as allowed from an answer naming blocked " + n);
                }
            }
        }

        // An owner option never goes on upstream, and names no process but one the table knows.
        for (byte[] q : upstream.queries) {
            if (OwnerOption.strip(q) != null) throw new AssertionError("an owner option went on upstream");
        }
        for (DnsEvent e : sink.events) {
            if (e.who().pid() != PID && e.who().pid() != 0) throw new AssertionError("an event names pid " + e.who().pid());
        }

        // An event that says "allowed" never names a blocked name.
        for (DnsEvent e : sink.events) {
            if (e.verdict() != Verdict.ALLOWED) continue;
            if (policy.decide(e.domain()).denied()) throw new AssertionError("allowed event for blocked " + e.domain());
            for (String n : e.chain()) if (policy.decide(n).denied()) throw new AssertionError("allowed event via blocked " + n);
        }
    }

    /** Enforce mode: a reply that names a blocked name (asked, owner or target) carries no address. */
    static void checkNoAddressesForBlocked(DomainPolicy policy, String qname, Message reply) {
        Chain c = Chain.of(reply);
        boolean anyDenied = c.names.stream().anyMatch(n -> policy.decide(n).denied());
        boolean isAnswer = reply.getHeader().getRcode() == Rcode.NOERROR && !c.addresses.isEmpty();
        if (isAnswer && qname != null && policy.decide(qname).denied()) {
            throw new AssertionError("enforce: blocked question " + qname + " answered with " + c.addresses);
        }
        if (isAnswer && anyDenied) throw new AssertionError("enforce: answer with a blocked name " + c.names + " has addresses " + c.addresses);
    }

    private static Duration timeAgain(byte[] input) {
        long start = System.nanoTime();
        check(input, false);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Sane or nothing: a DNS reply with the query's id and QR set, that parses, and fits the client's UDP size. */
    private static void checkReply(byte[] raw, Message query, byte[] reply, Transport transport) {
        if (reply == null) return;
        if (reply.length < 12) throw new AssertionError("reply shorter than a header: " + reply.length);
        if (raw.length < 2 || reply[0] != raw[0] || reply[1] != raw[1]) throw new AssertionError("reply id differs from the query's");
        if ((reply[2] & 0x80) == 0) throw new AssertionError("reply without QR");
        if (parseOrNull(reply) == null) throw new AssertionError("reply does not parse");
        if (query == null) {
            if (reply.length != 12 || (reply[3] & 0x0f) != Rcode.FORMERR) throw new AssertionError("unparsable query not answered FORMERR");
            return;
        }
        if (transport == Transport.UDP && reply.length > maxUdpSize(query)) {
            throw new AssertionError("UDP reply of " + reply.length + " bytes exceeds " + maxUdpSize(query));
        }
    }

    /** The largest UDP answer the client takes: 512 without EDNS, its size with it. */
    static int maxUdpSize(Message query) {
        return query.getOPT() == null ? 512 : Math.max(512, query.getOPT().getPayloadSize());
    }

    static Message parseOrNull(byte[] b) {
        try {
            return new Message(b);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Names and addresses of an answer section, found independently of QueryHandler.chain. */
    record Chain(Set<String> names, List<String> addresses) {
        static Chain of(Message m) {
            Set<String> names = new LinkedHashSet<>();
            List<String> addrs = new ArrayList<>();
            for (Record r : m.getSection(Section.ANSWER)) {
                names.add(DomainName.absolute(r.getName().toString()));
                switch (r) {
                    case CNAMERecord c -> names.add(DomainName.absolute(c.getTarget().toString()));
                    case DNAMERecord d -> names.add(DomainName.absolute(d.getTarget().toString()));
                    case ARecord a -> addrs.add(a.getAddress().getHostAddress());
                    case AAAARecord a -> addrs.add(a.getAddress().getHostAddress());
                    case SVCBBase s -> {
                        if (s.getTargetName() != null && !s.getTargetName().equals(Name.root)) {
                            names.add(DomainName.absolute(s.getTargetName().toString()));
                        }
                        if (s.getSvcParamValue(SVCBBase.IPV4HINT) != null) addrs.add("ipv4hint");
                        if (s.getSvcParamValue(SVCBBase.IPV6HINT) != null) addrs.add("ipv6hint");
                    }
                    default -> { }
                }
            }
            return new Chain(names, addrs);
        }
    }

    /** Upstream as the fuzz input says; keeps what it answered so the checks see the same bytes. */
    static final class FakeUpstream implements Upstream {
        final int mode;
        final byte[] bytes;
        final List<byte[]> answers = new ArrayList<>();
        final List<byte[]> queries = new ArrayList<>();

        FakeUpstream(int mode, byte[] bytes) {
            this.mode = mode;
            this.bytes = bytes;
        }

        @Override
        public byte[] exchange(byte[] query, Transport transport) throws IOException {
            queries.add(query.clone());
            byte[] a = switch (mode) {
                case 0 -> withId(query, bytes.clone());
                case 2 -> throw new SocketTimeoutException("fuzz: upstream timed out");
                default -> spliced(query, transport == Transport.UDP && mode == 3);
            };
            answers.add(a);
            return a;
        }

        /** Header from the input, the query's own question (wire form, as sent), then the input's records. */
        private byte[] spliced(byte[] query, boolean truncated) throws IOException {
            Message q = new Message(query); // the handler only forwards queries that parse
            byte[] question = q.getQuestion() == null ? new byte[0] : q.getQuestion().toWire(Section.QUESTION);
            int body = Math.max(0, bytes.length - 8);
            byte[] a = new byte[12 + question.length + body];
            a[0] = query[0];
            a[1] = query[1];
            a[2] = (byte) (0x80 | (bytes.length > 0 ? bytes[0] & 0x7f : 0) | (truncated ? 0x02 : 0));
            a[2] = (byte) (truncated ? a[2] : a[2] & ~0x02);
            a[3] = bytes.length > 1 ? bytes[1] : 0;
            a[5] = (byte) (question.length > 0 ? 1 : 0);
            for (int i = 0; i < 6 && 2 + i < bytes.length; i++) a[6 + i] = bytes[2 + i];
            System.arraycopy(question, 0, a, 12, question.length);
            if (body > 0) System.arraycopy(bytes, 8, a, 12 + question.length, body);
            return a;
        }

        private static byte[] withId(byte[] query, byte[] a) {
            if (a.length >= 2) {
                a[0] = query[0];
                a[1] = query[1];
            }
            return a;
        }
    }

    /** Records which addresses the kernel was told to allow. */
    static final class LearnKernel implements LearnedAddresses.KernelTable {
        final List<String> allowed = new ArrayList<>();

        @Override
        public void learn(byte[] ip, LearnedAddresses.Until until) {
            if (until.allowNs() > 0) {
                try {
                    allowed.add(InetAddress.getByAddress(ip).getHostAddress());
                } catch (java.net.UnknownHostException e) {
                    throw new AssertionError("kernel asked to learn a " + ip.length + "-byte address");
                }
            }
        }

        @Override
        public void forget(byte[] ip) {}
    }

    static final class Events implements EventSink {
        final List<DnsEvent> events = new ArrayList<>();

        @Override
        public void attempt(NetAttempt attempt) {
            throw new AssertionError("the proxy reports DNS events only");
        }

        @Override
        public void dns(DnsEvent event) {
            events.add(event);
        }
    }
}
