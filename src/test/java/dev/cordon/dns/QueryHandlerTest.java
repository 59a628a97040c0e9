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
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import dev.cordon.policy.Reasons;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.HTTPSRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SVCBBase;
import org.xbill.DNS.SVCBRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Drives {@link QueryHandler#handle} with fakes for every seam: no sockets, no kernel, no root. */
class QueryHandlerTest {
    static final int CLIENT_PORT = 40_000;
    static final int PID = 4242;

    // ---- fakes ----

    /** Answers from a script keyed by "name type transport"; records every exchange. */
    static final class ScriptedUpstream implements Upstream {
        interface Answer {
            Message answer(Message query) throws IOException;
        }

        record Call(String name, String type, Transport transport, byte[] wire) {}

        final Map<String, Answer> script = new HashMap<>();
        final List<Call> calls = new ArrayList<>();

        ScriptedUpstream on(String name, int type, Transport t, Answer a) {
            script.put(key(name, type, t), a);
            return this;
        }

        /** The same answer over UDP and TCP. */
        ScriptedUpstream on(String name, int type, Answer a) {
            return on(name, type, Transport.UDP, a).on(name, type, Transport.TCP, a);
        }

        static String key(String name, int type, Transport t) {
            return Name.fromConstantString(name).toString().toLowerCase() + " " + Type.string(type) + " " + t;
        }

        @Override
        public synchronized byte[] exchange(byte[] query, Transport transport) throws IOException {
            Message q = new Message(query);
            Record question = q.getQuestion();
            calls.add(new Call(question.getName().toString(), Type.string(question.getType()), transport, query.clone()));
            Answer a = script.get(key(question.getName().toString(), question.getType(), transport));
            if (a == null) throw new AssertionError("unexpected upstream query " + question + " over " + transport);
            return a.answer(q).toWire();
        }
    }

    static final class RecordingKernel implements LearnedAddresses.KernelTable {
        record Learned(String ip, long allowUntil, long denyUntil, Thread thread) {}

        final List<Learned> learned = new ArrayList<>();

        @Override
        public synchronized void learn(byte[] ip, LearnedAddresses.Until until) {
            learned.add(new Learned(str(ip), until.allowNs(), until.denyNs(), Thread.currentThread()));
        }

        @Override
        public void forget(byte[] ip) {
            throw new AssertionError("nothing expires within a test");
        }

        synchronized Optional<Learned> latest(String ip) {
            Learned found = null;
            for (Learned l : learned) if (l.ip.equals(ip)) found = l;
            return Optional.ofNullable(found);
        }

        static String str(byte[] ip) {
            try {
                return InetAddress.getByAddress(ip).getHostAddress();
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }

    static final class RecordingSink implements EventSink {
        final List<DnsEvent> dns = new ArrayList<>();

        @Override
        public void attempt(NetAttempt attempt) {
            throw new AssertionError("the proxy reports DNS events only");
        }

        @Override
        public synchronized void dns(DnsEvent event) {
            dns.add(event);
        }

        DnsEvent only() {
            assertThat(dns).hasSize(1);
            return dns.getFirst();
        }
    }

    record OwnerQuery(int port, int txid, Transport transport) {}

    // ---- fixture ----

    ScriptedUpstream upstream;
    RecordingKernel kernel;
    RecordingSink sink;
    LearnedAddresses learned;
    ProcessTable processes;
    DnsCounters counters;
    List<OwnerQuery> ownerQueries;
    boolean ownerKnown;

    @BeforeEach
    void setUp() {
        upstream = new ScriptedUpstream();
        kernel = new RecordingKernel();
        sink = new RecordingSink();
        learned = new LearnedAddresses(kernel, LearnedAddresses.Ttl.DEFAULT, 1024);
        processes = new ProcessTable(64);
        processes.onExec(new ExecEvent(1, new ProcessRef(PID, PID, "curl", 99), 1, List.of("curl", "-sS", "github.com"), false, null, null));
        counters = new DnsCounters();
        ownerQueries = new ArrayList<>();
        ownerKnown = true;
    }

    QueryHandler handler(Mode mode, BlockedResponse response, DomainPolicy policy) {
        return handler(new Rules(policy, mode, response, OutagePlan.NONE, false), null);
    }

    /** A handler with every seam faked; the owner lookup records what it was asked. */
    QueryHandler handler(Rules rules, AnswerCache cache) {
        QueryOwnerLookup owners = (port, txid, transport) -> {
            ownerQueries.add(new OwnerQuery(port, txid, transport));
            return ownerKnown ? Optional.of(new ProcessRef(PID, PID + 1, "curl", 99)) : Optional.empty();
        };
        return new QueryHandler(rules, upstream, learned, cache, new QueryReports(owners, processes, sink, counters, true, ProxyChain.NONE), counters);
    }

    QueryHandler blocklist(Mode mode, String... denied) {
        return handler(mode, BlockedResponse.NXDOMAIN,
                DomainPolicy.of(List.of(), Arrays.stream(denied).map(DomainPattern::parse).toList(), Action.ALLOW));
    }

    QueryHandler enforceDenying(String... denied) {
        return blocklist(Mode.ENFORCE, denied);
    }

    static Message query(String name, int type, int id) {
        Message q = Message.newQuery(Record.newRecord(Name.fromConstantString(name), type, DClass.IN));
        q.getHeader().setID(id);
        return q;
    }

    static Message withEdns(Message q, int payload) {
        q.addRecord(new OPTRecord(payload, 0, 0), Section.ADDITIONAL);
        return q;
    }

    static Message reply(Message q, Record... answers) {
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RD);
        r.getHeader().setFlag(Flags.RA);
        r.addRecord(q.getQuestion(), Section.QUESTION);
        for (Record a : answers) r.addRecord(a, Section.ANSWER);
        return r;
    }

    static Name n(String s) {
        return Name.fromConstantString(s);
    }

    static ARecord a(String name, String ip, long ttl) {
        return new ARecord(n(name), DClass.IN, ttl, InetAddress.ofLiteral(ip));
    }

    static AAAARecord aaaa(String name, String ip, long ttl) {
        return new AAAARecord(n(name), DClass.IN, ttl, InetAddress.ofLiteral(ip));
    }

    static CNAMERecord cname(String name, String target) {
        return new CNAMERecord(n(name), DClass.IN, 300, n(target));
    }

    static Client udp() {
        return new Client(CLIENT_PORT, Transport.UDP);
    }

    static Client tcp() {
        return new Client(CLIENT_PORT, Transport.TCP);
    }

    static Message parse(byte[] wire) throws IOException {
        assertThat(wire).as("a reply").isNotNull();
        return new Message(wire);
    }

    static List<String> addresses(Message m) {
        List<String> out = new ArrayList<>();
        for (Record r : m.getSection(Section.ANSWER)) {
            if (r instanceof ARecord x) out.add(x.getAddress().getHostAddress());
            if (r instanceof AAAARecord x) out.add(x.getAddress().getHostAddress());
        }
        return out;
    }

    void assertErrorReply(byte[] wire, Message q, int rcode) throws IOException {
        Message r = parse(wire);
        assertThat(r.getHeader().getID()).isEqualTo(q.getHeader().getID());
        assertThat(r.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(Rcode.string(r.getHeader().getRcode())).isEqualTo(Rcode.string(rcode));
        assertThat(r.getQuestion()).isEqualTo(q.getQuestion());
        assertThat(r.getSection(Section.ANSWER)).isEmpty();
    }

    // ---- blocked names ----

    @Test
    void aBlockedNameGetsNxdomainAtOnceWithoutAskingUpstream() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("api.github.com.", Type.A, 0x1234);

        byte[] reply = h.handle(q.toWire(), udp());

        assertErrorReply(reply, q, Rcode.NXDOMAIN);
        assertThat(parse(reply).getHeader().getFlag(Flags.RD)).isTrue();
        assertThat(upstream.calls).isEmpty();
        assertThat(kernel.learned).isEmpty();
        DnsEvent e = sink.only();
        assertThat(e.verdict()).isEqualTo(Verdict.BLOCKED);
        assertThat(e.reason()).isEqualTo(Reasons.FROM_DNS_REQUEST);
        assertThat(e.domain()).isEqualTo("api.github.com.");
        assertThat(e.blockedName()).isEqualTo("api.github.com.");
        assertThat(e.rule()).isEqualTo("github.com");
        assertThat(e.qtype()).isEqualTo("A");
        assertThat(e.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(e.firewallMethod()).isEqualTo("blocklist");
        assertThat(e.transport()).isEqualTo("udp");
        assertThat(e.addresses()).isEmpty();
        assertThat(e.who().pid()).isEqualTo(PID);
        assertThat(e.who().commandLine()).isEqualTo("curl -sS github.com");
        assertThat(e.who().source()).isEqualTo(ProcessTable.Source.EXEC);
        assertThat(ownerQueries).containsExactly(new OwnerQuery(CLIENT_PORT, 0x1234, Transport.UDP));
        assertThat(counters.blocked.get()).isEqualTo(1);
        assertThat(counters.queries.get()).isEqualTo(1);
    }

    @Test
    void theRefusedOptionAnswersRefused() throws IOException {
        QueryHandler h = handler(Mode.ENFORCE, BlockedResponse.REFUSED,
                DomainPolicy.of(List.of(), List.of(DomainPattern.parse("github.com")), Action.ALLOW));
        Message q = query("github.com.", Type.AAAA, 7);
        assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.REFUSED);
        assertThat(upstream.calls).isEmpty();
        assertThat(sink.only().qtype()).isEqualTo("AAAA");
    }

    @Test
    void aBlockedReplyKeepsEdnsWhenTheQueryHadIt() throws IOException {
        Message q = withEdns(query("github.com.", Type.A, 99), 4096);
        Message r = parse(enforceDenying("github.com").handle(q.toWire(), udp()));
        assertThat(r.getOPT()).isNotNull();
        Message plain = parse(enforceDenying("github.com").handle(query("github.com.", Type.A, 98).toWire(), udp()));
        assertThat(plain.getOPT()).isNull();
    }

    @Test
    void blockingIgnoresCaseAndReportsTheCanonicalName() throws IOException {
        Message q = query("API.GitHub.COM.", Type.A, 1);
        assertErrorReply(enforceDenying("github.com").handle(q.toWire(), udp()), q, Rcode.NXDOMAIN);
        assertThat(sink.only().domain()).isEqualTo("api.github.com.");
    }

    @Test
    void lookalikeNamesAreNotBlocked() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        for (String name : List.of("evilgithub.com.", "github.com.evil.net.")) {
            upstream.on(name, Type.A, q -> reply(q, a(name, "192.0.2.7", 60)));
            Message r = parse(h.handle(query(name, Type.A, 3).toWire(), udp()));
            assertThat(Rcode.string(r.getHeader().getRcode())).as(name).isEqualTo("NOERROR");
            assertThat(addresses(r)).containsExactly("192.0.2.7");
        }
        assertThat(sink.dns).extracting(DnsEvent::verdict).containsOnly(Verdict.ALLOWED);
    }

    @Test
    void anAllowlistDeniesUnlistedNamesByDefault() throws IOException {
        QueryHandler h = handler(Mode.ENFORCE, BlockedResponse.NXDOMAIN,
                DomainPolicy.of(List.of(DomainPattern.parse("example.org")), List.of(), Action.DENY));
        Message q = query("github.com.", Type.A, 5);
        assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.NXDOMAIN);
        DnsEvent e = sink.only();
        assertThat(e.rule()).isEqualTo("default:deny");
        assertThat(e.firewallMethod()).isEqualTo("allowlist");

        upstream.on("www.example.org.", Type.A, qq -> reply(qq, a("www.example.org.", "192.0.2.8", 60)));
        assertThat(addresses(parse(h.handle(query("www.example.org.", Type.A, 6).toWire(), udp())))).containsExactly("192.0.2.8");
    }

    // ---- allowed names ----

    @Test
    void anAllowedNameIsForwardedAndItsAddressesAreLearnedBeforeTheAnswerIsReturned() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("ok.internal.", Type.A, 0x4321);
        Message upstreamAnswer = reply(q, a("ok.internal.", "192.0.2.1", 120), a("ok.internal.", "192.0.2.2", 120));
        upstream.on("ok.internal.", Type.A, qq -> upstreamAnswer);
        long before = System.nanoTime();

        byte[] wire = h.handle(q.toWire(), udp());

        assertThat(wire).isEqualTo(upstreamAnswer.toWire());
        assertThat(upstream.calls).singleElement().satisfies(c -> {
            assertThat(c.transport()).isEqualTo(Transport.UDP);
            assertThat(c.wire()).isEqualTo(q.toWire());
        });
        // Learned synchronously, on the calling thread, before handle() returned: the next connect finds them.
        for (String ip : List.of("192.0.2.1", "192.0.2.2")) {
            RecordingKernel.Learned l = kernel.latest(ip).orElseThrow(() -> new AssertionError(ip + " not learned"));
            assertThat(l.allowUntil()).isGreaterThanOrEqualTo(before + 120 * 1_000_000_000L);
            assertThat(l.denyUntil()).isZero();
            assertThat(l.thread()).isSameAs(Thread.currentThread());
            assertThat(learned.namesFor(InetAddress.ofLiteral(ip).getAddress()).allowed()).containsExactly("ok.internal.");
        }
        DnsEvent e = sink.only();
        assertThat(e.verdict()).isEqualTo(Verdict.ALLOWED);
        assertThat(e.addresses()).containsExactly("192.0.2.1", "192.0.2.2");
        assertThat(e.blockedName()).isNull();
        assertThat(e.rule()).isEqualTo("default:allow");
        assertThat(counters.blocked.get()).isZero();
    }

    @Test
    void ipv6AnswersAreLearnedToo() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        upstream.on("ok.internal.", Type.AAAA, q -> reply(q, aaaa("ok.internal.", "2001:db8::7", 60)));
        h.handle(query("ok.internal.", Type.AAAA, 1).toWire(), udp());
        assertThat(kernel.latest("2001:db8:0:0:0:0:0:7")).get().extracting(RecordingKernel.Learned::denyUntil).isEqualTo(0L);
    }

    @Test
    void anAllowedAnswerWithoutAddressesIsPassedThrough() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("ok.internal.", Type.TXT, 2);
        Message answer = reply(q, new TXTRecord(n("ok.internal."), DClass.IN, 60, "hello"));
        upstream.on("ok.internal.", Type.TXT, qq -> answer);
        assertThat(h.handle(q.toWire(), udp())).isEqualTo(answer.toWire());
        assertThat(kernel.learned).isEmpty();
    }

    @Test
    void anUpstreamNxdomainIsPassedThrough() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("missing.internal.", Type.A, 2);
        upstream.on("missing.internal.", Type.A, qq -> {
            Message r = reply(qq);
            r.getHeader().setRcode(Rcode.NXDOMAIN);
            return r;
        });
        assertThat(parse(h.handle(q.toWire(), udp())).getHeader().getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(sink.only().verdict()).isEqualTo(Verdict.ALLOWED);
    }

    // ---- answer chains ----

    @Test
    void aCnameChainIntoABlockedNameIsBlockedAndItsAddressesAreLearnedAsDenied() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("tools-mirror.internal.", Type.A, 0x0bad);
        upstream.on("tools-mirror.internal.", Type.A, qq -> reply(qq,
                cname("tools-mirror.internal.", "cdn.internal."),
                cname("cdn.internal.", "codeload.github.com."),
                a("codeload.github.com.", "192.0.2.30", 60)));

        byte[] wire = h.handle(q.toWire(), udp());

        assertErrorReply(wire, q, Rcode.NXDOMAIN);
        DnsEvent e = sink.only();
        assertThat(e.verdict()).isEqualTo(Verdict.BLOCKED);
        assertThat(e.reason()).isEqualTo(Reasons.FROM_DNS_RESPONSE_CNAME);
        assertThat(e.domain()).isEqualTo("tools-mirror.internal.");
        assertThat(e.blockedName()).isEqualTo("codeload.github.com.");
        assertThat(e.rule()).isEqualTo("github.com");
        assertThat(e.addresses()).containsExactly("192.0.2.30");
        assertThat(e.who().pid()).isEqualTo(PID);
        RecordingKernel.Learned l = kernel.latest("192.0.2.30").orElseThrow();
        assertThat(l.denyUntil()).isPositive();
        assertThat(l.allowUntil()).isZero();
        assertThat(learned.namesFor(InetAddress.ofLiteral("192.0.2.30").getAddress()).denied()).containsExactly("codeload.github.com.");
        assertThat(counters.blocked.get()).isEqualTo(1);
    }

    @Test
    void aCnameChainUsesTheRefusedOptionToo() throws IOException {
        QueryHandler h = handler(Mode.ENFORCE, BlockedResponse.REFUSED,
                DomainPolicy.of(List.of(), List.of(DomainPattern.parse("github.com")), Action.ALLOW));
        Message q = query("alias.internal.", Type.A, 9);
        upstream.on("alias.internal.", Type.A, qq -> reply(qq, cname("alias.internal.", "github.com."), a("github.com.", "192.0.2.3", 60)));
        assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.REFUSED);
    }

    @Test
    void aCnameChainWithinAllowedNamesIsAllowed() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("www.internal.", Type.A, 9);
        Message answer = reply(q, cname("www.internal.", "edge.cdn.internal."), a("edge.cdn.internal.", "192.0.2.4", 60));
        upstream.on("www.internal.", Type.A, qq -> answer);
        assertThat(h.handle(q.toWire(), udp())).isEqualTo(answer.toWire());
        assertThat(learned.namesFor(InetAddress.ofLiteral("192.0.2.4").getAddress()).allowed()).containsExactly("edge.cdn.internal.");
    }

    @Test
    void aCnameIntoALookalikeIsNotBlocked() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("alias.internal.", Type.A, 9);
        upstream.on("alias.internal.", Type.A, qq -> reply(qq, cname("alias.internal.", "notgithub.com."), a("notgithub.com.", "192.0.2.4", 60)));
        assertThat(addresses(parse(h.handle(q.toWire(), udp())))).containsExactly("192.0.2.4");
    }

    @Test
    void httpsRecordHintsAreLearned() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("svc.internal.", Type.HTTPS, 11);
        HTTPSRecord https = new HTTPSRecord(n("svc.internal."), DClass.IN, 300, 1, Name.root, List.of(
                new SVCBBase.ParameterAlpn(List.of("h2")),
                new SVCBBase.ParameterIpv4Hint(List.of((Inet4Address) InetAddress.ofLiteral("192.0.2.40"))),
                new SVCBBase.ParameterIpv6Hint(List.of((Inet6Address) InetAddress.ofLiteral("2001:db8::40")))));
        Message answer = reply(q, https);
        upstream.on("svc.internal.", Type.HTTPS, qq -> answer);

        assertThat(h.handle(q.toWire(), udp())).isEqualTo(answer.toWire());

        assertThat(kernel.latest("192.0.2.40")).get().satisfies(l -> {
            assertThat(l.allowUntil()).isPositive();
            assertThat(l.denyUntil()).isZero();
        });
        assertThat(kernel.latest("2001:db8:0:0:0:0:0:40")).get().satisfies(l -> assertThat(l.allowUntil()).isPositive());
        assertThat(sink.only().addresses()).containsExactlyInAnyOrder("192.0.2.40", "2001:db8:0:0:0:0:0:40");
    }

    @Test
    void anHttpsTargetThatIsBlockedBlocksTheAnswerAndItsHintsAreLearnedAsDenied() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("svc.internal.", Type.HTTPS, 12);
        upstream.on("svc.internal.", Type.HTTPS, qq -> reply(qq, new HTTPSRecord(n("svc.internal."), DClass.IN, 300, 1,
                n("lb.github.com."), List.of(new SVCBBase.ParameterIpv4Hint(List.of((Inet4Address) InetAddress.ofLiteral("192.0.2.41")))))));

        assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.NXDOMAIN);

        DnsEvent e = sink.only();
        assertThat(e.reason()).isEqualTo(Reasons.FROM_DNS_RESPONSE_CNAME);
        assertThat(e.blockedName()).isEqualTo("lb.github.com.");
        assertThat(e.qtype()).isEqualTo("HTTPS");
        assertThat(kernel.latest("192.0.2.41")).get().satisfies(l -> {
            assertThat(l.denyUntil()).isPositive();
            assertThat(l.allowUntil()).isZero();
        });
    }

    @Test
    void anSvcbAliasToABlockedNameIsBlocked() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("_dns.svc.internal.", Type.SVCB, 13);
        upstream.on("_dns.svc.internal.", Type.SVCB, qq -> reply(qq,
                new SVCBRecord(n("_dns.svc.internal."), DClass.IN, 300, 0, n("github.com."), List.of())));
        assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.NXDOMAIN);
        assertThat(sink.only().blockedName()).isEqualTo("github.com.");
    }

    // ---- audit ----

    @Test
    void auditModeForwardsABlockedNameReportsItAndLearnsItsAddressesAsDenied() throws IOException {
        QueryHandler h = blocklist(Mode.AUDIT, "github.com");
        Message q = query("github.com.", Type.A, 21);
        Message answer = reply(q, a("github.com.", "192.0.2.50", 60));
        upstream.on("github.com.", Type.A, qq -> answer);

        assertThat(h.handle(q.toWire(), udp())).isEqualTo(answer.toWire());

        DnsEvent e = sink.only();
        assertThat(e.verdict()).isEqualTo(Verdict.AUDITED);
        assertThat(e.reason()).isEqualTo(Reasons.FROM_DNS_REQUEST);
        assertThat(e.mode()).isEqualTo(Mode.AUDIT);
        assertThat(e.rule()).isEqualTo("github.com");
        assertThat(kernel.latest("192.0.2.50")).get().satisfies(l -> {
            assertThat(l.denyUntil()).isPositive();
            assertThat(l.allowUntil()).isZero();
        });
        assertThat(counters.blocked.get()).isEqualTo(1);
    }

    @Test
    void auditModeForwardsACnameChainIntoABlockedNameAndReportsIt() throws IOException {
        QueryHandler h = blocklist(Mode.AUDIT, "github.com");
        Message q = query("alias.internal.", Type.A, 22);
        Message answer = reply(q, cname("alias.internal.", "github.com."), a("github.com.", "192.0.2.51", 60));
        upstream.on("alias.internal.", Type.A, qq -> answer);

        assertThat(h.handle(q.toWire(), udp())).isEqualTo(answer.toWire());

        DnsEvent e = sink.only();
        assertThat(e.verdict()).isEqualTo(Verdict.AUDITED);
        assertThat(e.reason()).isEqualTo(Reasons.FROM_DNS_RESPONSE_CNAME);
        assertThat(e.blockedName()).isEqualTo("github.com.");
        assertThat(e.addresses()).containsExactly("192.0.2.51");
        assertThat(kernel.latest("192.0.2.51").orElseThrow().denyUntil()).isPositive();
    }

    // ---- upstream trouble ----

    @Test
    void anUpstreamFailureIsServfail() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        upstream.on("slow.internal.", Type.A, q -> {
            throw new SocketTimeoutException("no upstream answered within 2000 ms");
        });
        upstream.on("broken.internal.", Type.A, q -> {
            throw new IllegalStateException("bug in a fake");
        });
        for (String name : List.of("slow.internal.", "broken.internal.")) {
            Message q = query(name, Type.A, 31);
            assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.SERVFAIL);
        }
        assertThat(counters.upstreamFailures.get()).isEqualTo(2);
        assertThat(kernel.learned).isEmpty();
    }

    @Test
    void anUpstreamAnswerThatDoesNotParseIsServfail() throws IOException {
        Upstream garbage = (query, t) -> new byte[] {query[0], query[1], (byte) 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9};
        QueryHandler g = new QueryHandler(new Rules(DomainPolicy.of(List.of(), List.of(), Action.ALLOW), Mode.ENFORCE,
                BlockedResponse.NXDOMAIN, OutagePlan.NONE, false), garbage, learned, null,
                new QueryReports((p, x, t) -> Optional.empty(), processes, sink, counters, true, ProxyChain.NONE), counters);
        Message q = query("ok.internal.", Type.A, 32);
        assertErrorReply(g.handle(q.toWire(), udp()), q, Rcode.SERVFAIL);
        assertThat(counters.upstreamFailures.get()).isEqualTo(1);
    }

    @Test
    void anAnswerToAnotherQuestionIsServfailAndNothingIsLearned() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        // a poisoned or confused upstream answers a different name
        upstream.on("ok.internal.", Type.A, q -> reply(query("evil.example.", Type.A, q.getHeader().getID()),
                a("evil.example.", "192.0.2.66", 60)));
        Message q = query("ok.internal.", Type.A, 33);
        assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.SERVFAIL);

        // or the right name with another type
        upstream.on("ok.internal.", Type.AAAA, qq -> reply(query("ok.internal.", Type.A, qq.getHeader().getID()),
                a("ok.internal.", "192.0.2.67", 60)));
        Message q6 = query("ok.internal.", Type.AAAA, 34);
        assertErrorReply(h.handle(q6.toWire(), udp()), q6, Rcode.SERVFAIL);

        // or no question at all
        upstream.on("empty.internal.", Type.A, qq -> {
            Message r = new Message(qq.getHeader().getID());
            r.getHeader().setFlag(Flags.QR);
            r.addRecord(a("empty.internal.", "192.0.2.68", 60), Section.ANSWER);
            return r;
        });
        Message q0 = query("empty.internal.", Type.A, 35);
        assertErrorReply(h.handle(q0.toWire(), udp()), q0, Rcode.SERVFAIL);

        assertThat(kernel.learned).isEmpty();
        assertThat(counters.upstreamFailures.get()).isEqualTo(3);
    }

    @Test
    void theQuestionIsComparedIgnoringCase() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        upstream.on("ok.internal.", Type.A, q -> reply(query("OK.Internal.", Type.A, q.getHeader().getID()),
                a("OK.Internal.", "192.0.2.69", 60)));
        assertThat(addresses(parse(h.handle(query("ok.internal.", Type.A, 36).toWire(), udp())))).containsExactly("192.0.2.69");
    }

    // ---- truncation ----

    static Record[] manyAddresses(String name, int count) {
        Record[] rs = new Record[count];
        for (int i = 0; i < count; i++) rs[i] = a(name, "10.77." + (i / 250) + "." + (i % 250 + 1), 60);
        return rs;
    }

    @Test
    void aTruncatedUpstreamAnswerIsRetriedOverTcpAndTheFullAnswerDecided() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("ok.internal.", Type.A, 41);
        Message full = reply(q, a("ok.internal.", "192.0.2.90", 60), a("ok.internal.", "192.0.2.91", 60));
        upstream.on("ok.internal.", Type.A, Transport.UDP, qq -> {
            Message tc = reply(qq);
            tc.getHeader().setFlag(Flags.TC);
            return tc;
        });
        upstream.on("ok.internal.", Type.A, Transport.TCP, qq -> full);

        byte[] wire = h.handle(q.toWire(), udp());

        assertThat(upstream.calls).extracting(ScriptedUpstream.Call::transport).containsExactly(Transport.UDP, Transport.TCP);
        Message r = parse(wire);
        assertThat(r.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(addresses(r)).containsExactly("192.0.2.90", "192.0.2.91");
        assertThat(kernel.latest("192.0.2.91")).isPresent();
    }

    @Test
    void aTruncatedUpstreamAnswerHidingABlockedCnameIsStillBlocked() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("alias.internal.", Type.A, 42);
        upstream.on("alias.internal.", Type.A, Transport.UDP, qq -> {
            Message tc = reply(qq);
            tc.getHeader().setFlag(Flags.TC);
            return tc;
        });
        upstream.on("alias.internal.", Type.A, Transport.TCP, qq -> reply(qq, cname("alias.internal.", "github.com."),
                a("github.com.", "192.0.2.92", 60)));

        assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.NXDOMAIN);
        assertThat(sink.only().reason()).isEqualTo(Reasons.FROM_DNS_RESPONSE_CNAME);
        assertThat(kernel.latest("192.0.2.92").orElseThrow().denyUntil()).isPositive();
    }

    @Test
    void whenTheFullAnswerIsTooBigForTheClientItGetsTcAndTheAddressesAreLearnedAnyway() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("big.internal.", Type.A, 43); // no EDNS: 512 bytes at most
        upstream.on("big.internal.", Type.A, Transport.UDP, qq -> {
            Message tc = reply(qq);
            tc.getHeader().setFlag(Flags.TC);
            return tc;
        });
        upstream.on("big.internal.", Type.A, Transport.TCP, qq -> reply(qq, manyAddresses("big.internal.", 60)));

        Message r = parse(h.handle(q.toWire(), udp()));

        assertThat(r.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(r.getHeader().getID()).isEqualTo(43);
        assertThat(r.toWire().length).isLessThanOrEqualTo(512);
        assertThat(kernel.learned).hasSize(60);
    }

    @Test
    void anAnswerLargerThanTheClientsUdpSizeIsTruncated() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("big.internal.", Type.A, 44);
        Message big = reply(q, manyAddresses("big.internal.", 60));
        assertThat(big.toWire().length).isGreaterThan(512);
        upstream.on("big.internal.", Type.A, qq -> big);

        Message r = parse(h.handle(q.toWire(), udp()));

        assertThat(r.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(r.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(r.getHeader().getID()).isEqualTo(44);
        assertThat(r.getQuestion()).isEqualTo(q.getQuestion());
        assertThat(r.getSection(Section.ANSWER)).isEmpty();
        assertThat(r.toWire().length).isLessThanOrEqualTo(512);
        assertThat(kernel.learned).hasSize(60); // learned before the client retries over TCP
    }

    @Test
    void inAuditModeABlockedAnswerLargerThanTheClientsUdpSizeIsTruncatedToo() throws IOException {
        // audit must be transparent: the client gets what it would get without cordon
        QueryHandler h = blocklist(Mode.AUDIT, "github.com");
        Message q = query("github.com.", Type.A, 48);
        upstream.on("github.com.", Type.A, qq -> reply(qq, manyAddresses("github.com.", 60)));
        Message r = parse(h.handle(q.toWire(), udp()));
        assertThat(r.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(r.toWire().length).isLessThanOrEqualTo(512);

        Message alias = query("alias.internal.", Type.A, 49);
        Record[] chain = new Record[61];
        chain[0] = cname("alias.internal.", "github.com.");
        System.arraycopy(manyAddresses("github.com.", 60), 0, chain, 1, 60);
        upstream.on("alias.internal.", Type.A, qq -> reply(qq, chain));
        Message r2 = parse(h.handle(alias.toWire(), udp()));
        assertThat(r2.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(sink.dns).extracting(DnsEvent::verdict).containsOnly(Verdict.AUDITED);
        assertThat(kernel.learned).hasSizeGreaterThanOrEqualTo(60);
    }

    @Test
    void theClientsEdnsSizeIsHonoured() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = withEdns(query("big.internal.", Type.A, 45), 4096);
        Message big = reply(q, manyAddresses("big.internal.", 60));
        upstream.on("big.internal.", Type.A, qq -> big);
        assertThat(h.handle(q.toWire(), udp())).isEqualTo(big.toWire());

        Message small = withEdns(query("big.internal.", Type.A, 46), 512);
        assertThat(parse(h.handle(small.toWire(), udp())).getHeader().getFlag(Flags.TC)).isTrue();
    }

    @Test
    void overTcpTheQueryGoesUpstreamOverTcpAndIsNeverTruncated() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("big.internal.", Type.A, 47);
        Message big = reply(q, manyAddresses("big.internal.", 60));
        upstream.on("big.internal.", Type.A, Transport.TCP, qq -> big);
        assertThat(h.handle(q.toWire(), tcp())).isEqualTo(big.toWire());
        assertThat(upstream.calls).extracting(ScriptedUpstream.Call::transport).containsExactly(Transport.TCP);
        assertThat(sink.only().transport()).isEqualTo("tcp");
        assertThat(ownerQueries).containsExactly(new OwnerQuery(CLIENT_PORT, 47, Transport.TCP));
    }

    // ---- malformed input ----

    @Test
    void packetsTooShortForAHeaderGetNothing() {
        QueryHandler h = enforceDenying("github.com");
        assertThat(h.handle(new byte[0], udp())).isNull();
        assertThat(h.handle(new byte[] {1, 2, 3, 4, 5}, udp())).isNull();
        assertThat(h.handle(new byte[11], udp())).isNull();
        assertThat(counters.malformed.get()).isEqualTo(3);
        assertThat(upstream.calls).isEmpty();
    }

    @Test
    void packetsThatDoNotParseGetFormerrWithTheirId() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        byte[] good = query("ok.internal.", Type.A, 0x5150).toWire();
        byte[] cut = Arrays.copyOf(good, good.length - 3);           // question cut short
        byte[] headerOnly = Arrays.copyOf(good, 12);                 // QDCOUNT=1, no question
        byte[] badLabel = good.clone();
        badLabel[12] = (byte) 0xC0;                                   // compression pointer...
        badLabel[13] = (byte) 0xFF;                                   // ...past the end
        for (byte[] bad : List.of(cut, headerOnly, badLabel)) {
            Message r = parse(h.handle(bad, udp()));
            assertThat(r.getHeader().getID()).isEqualTo(0x5150);
            assertThat(r.getHeader().getFlag(Flags.QR)).isTrue();
            assertThat(r.getHeader().getRcode()).isEqualTo(Rcode.FORMERR);
        }
        assertThat(counters.malformed.get()).isEqualTo(3);
        assertThat(upstream.calls).isEmpty();
    }

    @Test
    void queriesWithoutExactlyOneQuestionGetFormerr() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message none = new Message(0x0101);
        assertErrorReplyNoQuestion(h.handle(none.toWire(), udp()), 0x0101);

        Message two = query("a.internal.", Type.A, 0x0102);
        two.addRecord(Record.newRecord(n("b.internal."), Type.A, DClass.IN), Section.QUESTION);
        Message r = parse(h.handle(two.toWire(), udp()));
        assertThat(r.getHeader().getRcode()).isEqualTo(Rcode.FORMERR);
        assertThat(r.getHeader().getID()).isEqualTo(0x0102);
        assertThat(upstream.calls).isEmpty();
    }

    private void assertErrorReplyNoQuestion(byte[] wire, int id) throws IOException {
        Message r = parse(wire);
        assertThat(r.getHeader().getID()).isEqualTo(id);
        assertThat(r.getHeader().getRcode()).isEqualTo(Rcode.FORMERR);
    }

    @Test
    void otherOpcodesAreNotImplemented() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message notify = query("ok.internal.", Type.SOA, 0x0201);
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        assertThat(parse(h.handle(notify.toWire(), udp())).getHeader().getRcode()).isEqualTo(Rcode.NOTIMP);
        assertThat(upstream.calls).isEmpty();
    }

    @Test
    void aResponseSentAsAQueryIsDropped() {
        QueryHandler h = enforceDenying("github.com");
        Message q = query("ok.internal.", Type.A, 0x0301);
        Message response = reply(q, a("ok.internal.", "192.0.2.1", 60));
        assertThat(h.handle(response.toWire(), udp())).isNull();
        Message blockedResponse = reply(query("github.com.", Type.A, 0x0302));
        assertThat(h.handle(blockedResponse.toWire(), udp())).isNull();
        assertThat(upstream.calls).isEmpty();
        assertThat(sink.dns).isEmpty();
        assertThat(counters.malformed.get()).isEqualTo(2);
    }

    @Test
    void randomGarbageNeverThrowsAndTheNextGoodQueryIsAnswered() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        upstream.on("ok.internal.", Type.A, q -> reply(q, a("ok.internal.", "192.0.2.1", 60)));
        Random rnd = new Random(42);
        for (int i = 0; i < 5_000; i++) {
            byte[] junk = new byte[rnd.nextInt(80)];
            rnd.nextBytes(junk);
            if (junk.length > 2) junk[2] &= (byte) 0x7f; // half of them as "queries" (QR clear) to reach the parser's depths
            if (i % 2 == 0 && junk.length > 5) { // plausible counts: one question
                junk[4] = 0;
                junk[5] = 1;
            }
            byte[] r = h.handle(junk, udp());
            if (r != null) {
                assertThat(r.length).isGreaterThanOrEqualTo(12);
                assertThat(Arrays.copyOf(r, 2)).isEqualTo(Arrays.copyOf(junk, 2)); // the id is echoed
                assertThat(r[2] & 0x80).as("QR set in a reply").isNotZero();
            }
        }
        Message good = query("ok.internal.", Type.A, 0x0401);
        Message r = parse(h.handle(good.toWire(), udp()));
        assertThat(r.getHeader().getID()).isEqualTo(0x0401);
        assertThat(addresses(r)).containsExactly("192.0.2.1");
    }

    @Test
    void malformedPacketsBetweenGoodQueriesDoNotDisturbThem() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        upstream.on("ok.internal.", Type.A, q -> reply(q, a("ok.internal.", "192.0.2.1", 60)));
        assertThat(addresses(parse(h.handle(query("ok.internal.", Type.A, 1).toWire(), udp())))).containsExactly("192.0.2.1");
        assertThat(h.handle(new byte[] {0, 1, 2}, udp())).isNull();
        assertThat(parse(h.handle(Arrays.copyOf(query("ok.internal.", Type.A, 2).toWire(), 14), udp())).getHeader().getRcode())
                .isEqualTo(Rcode.FORMERR);
        assertThat(addresses(parse(h.handle(query("ok.internal.", Type.A, 3).toWire(), udp())))).containsExactly("192.0.2.1");
        Message blocked = query("github.com.", Type.A, 4);
        assertErrorReply(h.handle(blocked.toWire(), udp()), blocked, Rcode.NXDOMAIN);
    }

    // ---- attribution ----

    @Test
    void aQueryNobodyCanBeFoundForIsStillDecidedAndCountedAsUnattributed() throws IOException {
        ownerKnown = false;
        QueryHandler h = enforceDenying("github.com");
        Message q = query("github.com.", Type.A, 51);
        assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.NXDOMAIN);
        DnsEvent e = sink.only();
        assertThat(e.who().pid()).isZero();
        assertThat(e.who().commandLine()).isEqualTo("?");
        assertThat(counters.unattributed.get()).isEqualTo(1);
    }

    @Test
    void theOwnerIsLookedUpByClientPortAndTransactionId() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        h.handle(query("github.com.", Type.A, 0xBEEF).toWire(), new Client(53_001, Transport.UDP));
        h.handle(query("github.com.", Type.A, 0xBEEF).toWire(), new Client(53_002, Transport.UDP));
        assertThat(ownerQueries).containsExactly(new OwnerQuery(53_001, 0xBEEF, Transport.UDP), new OwnerQuery(53_002, 0xBEEF, Transport.UDP));
    }

    // ---- --block-private-answers (DNS rebinding) ----

    QueryHandler rebindingGuard(Mode mode) {
        return handler(new Rules(DomainPolicy.of(List.of(), List.of(), Action.ALLOW), mode, BlockedResponse.NXDOMAIN,
                OutagePlan.NONE, true), null);
    }

    @Test
    void withBlockPrivateAnswersAPublicNameResolvingToAPrivateAddressIsRefusedAndNotLearned() throws IOException {
        QueryHandler h = rebindingGuard(Mode.ENFORCE);
        for (String ip : List.of("169.254.169.254", "127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "0.0.0.0")) {
            Message q = query("rebind.example.", Type.A, 7);
            upstream.on("rebind.example.", Type.A, qq -> reply(qq, a("rebind.example.", "192.0.2.9", 60), a("rebind.example.", ip, 60)));
            sink.dns.clear();

            assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.NXDOMAIN);

            DnsEvent e = sink.only();
            assertThat(e.verdict()).as(ip).isEqualTo(Verdict.BLOCKED);
            assertThat(e.reason()).isEqualTo(Reasons.PRIVATE_ANSWER);
            assertThat(e.rule()).isEqualTo(PrivateAnswers.RULE);
            assertThat(e.domain()).isEqualTo("rebind.example.");
            assertThat(e.addresses()).contains(ip);
            assertThat(e.who().pid()).isEqualTo(PID);
        }
        assertThat(kernel.learned).as("nothing of a refused answer is learned, not even its public address").isEmpty();
        assertThat(counters.blocked.get()).isEqualTo(7);
    }

    @Test
    void privateIpv6AndMappedAnswersAreRefusedToo() throws IOException {
        QueryHandler h = rebindingGuard(Mode.ENFORCE);
        for (String ip : List.of("::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1")) {
            Message q = query("rebind6.example.", Type.AAAA, 8);
            upstream.on("rebind6.example.", Type.AAAA, qq -> reply(qq, new AAAARecord(n("rebind6.example."), DClass.IN, 60,
                    InetAddress.getByAddress("rebind6.example", toV6(ip)))));
            assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.NXDOMAIN);
        }
        assertThat(kernel.learned).isEmpty();
    }

    /** 16 bytes even for ::ffff:a.b.c.d, which InetAddress would turn into an Inet4Address. */
    static byte[] toV6(String ip) {
        if (!ip.startsWith("::ffff:")) return dev.cordon.policy.Cidr.parse(ip).address();
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(InetAddress.ofLiteral(ip.substring(7)).getAddress(), 0, b, 12, 4);
        return b;
    }

    @Test
    void withBlockPrivateAnswersPublicAnswersAndPrivateNamesResolveAsUsual() throws IOException {
        QueryHandler h = rebindingGuard(Mode.ENFORCE);
        upstream.on("ok.example.", Type.A, q -> reply(q, a("ok.example.", "192.0.2.1", 60)));
        upstream.on("db.internal.", Type.A, q -> reply(q, a("db.internal.", "10.0.0.5", 60)));
        upstream.on("localhost.", Type.A, q -> reply(q, a("localhost.", "127.0.0.1", 60)));
        upstream.on("printer.home.arpa.", Type.A, q -> reply(q, a("printer.home.arpa.", "192.168.1.9", 60)));
        for (String name : List.of("ok.example.", "db.internal.", "localhost.", "printer.home.arpa.")) {
            Message r = parse(h.handle(query(name, Type.A, 9).toWire(), udp()));
            assertThat(r.getRcode()).as(name).isEqualTo(Rcode.NOERROR);
            assertThat(addresses(r)).as(name).hasSize(1);
        }
        assertThat(kernel.latest("10.0.0.5")).isPresent();
        assertThat(sink.dns).allMatch(e -> e.verdict() == Verdict.ALLOWED);
    }

    @Test
    void aCnameFromAPublicNameIntoAPrivateNamesAddressIsStillRefused() throws IOException {
        // the name asked is what counts: evil.example -> CNAME db.internal -> 10.0.0.5 is rebinding too
        QueryHandler h = rebindingGuard(Mode.ENFORCE);
        Message q = query("evil.example.", Type.A, 10);
        upstream.on("evil.example.", Type.A, qq -> reply(qq, cname("evil.example.", "db.internal."), a("db.internal.", "10.0.0.5", 60)));
        assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.NXDOMAIN);
        assertThat(sink.only().reason()).isEqualTo(Reasons.PRIVATE_ANSWER);
    }

    @Test
    void inAuditModeAPrivateAnswerIsReturnedAndReportedButNotLearned() throws IOException {
        QueryHandler h = rebindingGuard(Mode.AUDIT);
        Message q = query("rebind.example.", Type.A, 11);
        upstream.on("rebind.example.", Type.A, qq -> reply(qq, a("rebind.example.", "169.254.169.254", 60)));
        Message r = parse(h.handle(q.toWire(), udp()));
        assertThat(addresses(r)).containsExactly("169.254.169.254");
        DnsEvent e = sink.only();
        assertThat(e.verdict()).isEqualTo(Verdict.AUDITED);
        assertThat(e.reason()).isEqualTo(Reasons.PRIVATE_ANSWER);
        assertThat(kernel.learned).isEmpty();
    }

    @Test
    void withoutTheFlagPrivateAnswersResolve() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        upstream.on("rebind.example.", Type.A, qq -> reply(qq, a("rebind.example.", "169.254.169.254", 60)));
        Message r = parse(h.handle(query("rebind.example.", Type.A, 12).toWire(), udp()));
        assertThat(addresses(r)).containsExactly("169.254.169.254");
        assertThat(kernel.latest("169.254.169.254")).isPresent();
    }

    // ---- encrypted-DNS names ----

    @Test
    void aNameOfTheEncryptedDnsListIsBlockedWithReasonEncryptedDns() throws IOException {
        var list = dev.cordon.policy.EncryptedDns.builtIn();
        var rules = new ArrayList<>(dev.cordon.policy.EncryptedDns.domainRules(List.of(list), List.of()));
        QueryHandler h = handler(Mode.ENFORCE, BlockedResponse.NXDOMAIN, DomainPolicy.of(rules, Action.ALLOW));
        Message q = query("dns.google.", Type.A, 13);
        assertErrorReply(h.handle(q.toWire(), udp()), q, Rcode.NXDOMAIN);
        DnsEvent e = sink.only();
        assertThat(e.reason()).isEqualTo("EncryptedDNS");
        assertThat(e.rule()).isEqualTo("dns.google");
        assertThat(upstream.calls).isEmpty();

        // a CNAME into a listed name carries the same reason
        sink.dns.clear();
        Message q2 = query("my-doh.example.", Type.A, 14);
        upstream.on("my-doh.example.", Type.A, qq -> reply(qq, cname("my-doh.example.", "mozilla.cloudflare-dns.com."),
                a("mozilla.cloudflare-dns.com.", "192.0.2.44", 60)));
        assertErrorReply(h.handle(q2.toWire(), udp()), q2, Rcode.NXDOMAIN);
        assertThat(sink.only().reason()).isEqualTo("EncryptedDNS");
    }

    // ---- answer cache ----

    QueryHandler caching(Mode mode, String... denied) {
        return handler(new Rules(DomainPolicy.of(List.of(), Arrays.stream(denied).map(DomainPattern::parse).toList(),
                Action.ALLOW), mode, BlockedResponse.NXDOMAIN, OutagePlan.NONE, false), new AnswerCache(64));
    }

    /** The judge's first step for a query: what the proxy's loop does with it before any wait. */
    Judge.Step firstStep(QueryHandler h, Message q) {
        return h.judge().question((Query) Query.parse(q.toWire(), counters), udp(), System.nanoTime());
    }

    @Test
    void aCachedAnswerIsStillDecidedLearnedAttributedAndReportedPerQuery() throws IOException {
        QueryHandler h = caching(Mode.AUDIT, "blocked.example");
        upstream.on("www.example.com.", Type.A, q -> reply(q, cname("www.example.com.", "cdn.example.net."),
                a("cdn.example.net.", "192.0.2.60", 300)));
        Message q1 = query("www.example.com.", Type.A, 1);
        Message q2 = query("WWW.example.com.", Type.A, 2);
        assertThat(firstStep(h, q1)).as("not cached yet: asks upstream").isInstanceOf(Judge.Ask.class);
        assertThat(addresses(parse(h.handle(q1.toWire(), udp())))).containsExactly("192.0.2.60");
        sink.dns.clear();
        ownerQueries.clear();

        Judge.Step second = firstStep(h, q2);
        assertThat(second).as("cached: answered at the first step, no wait").isInstanceOf(Judge.Reply.class);
        Message r2 = parse(((Judge.Reply) second).bytes());
        assertThat(r2.getHeader().getID()).isEqualTo(2);
        assertThat(r2.getQuestion().getName().toString()).isEqualTo("WWW.example.com.");
        assertThat(addresses(r2)).containsExactly("192.0.2.60");
        assertThat(upstream.calls).as("the second answer came from the cache").hasSize(1);
        assertThat(counters.cacheHits.get()).isEqualTo(1);
        assertThat(counters.queries.get()).as("each query counted once, where it was read").isEqualTo(3);
        assertThat(sink.dns).singleElement().satisfies(e -> {
            assertThat(e.verdict()).isEqualTo(Verdict.ALLOWED);
            assertThat(e.chain()).containsExactly("cdn.example.net.");
            assertThat(e.who().pid()).isEqualTo(PID);
        });
        assertThat(ownerQueries).hasSize(1);
        assertThat(kernel.latest("192.0.2.60")).isPresent();
    }

    @Test
    void blockedNamesAreNeverCached() throws IOException {
        QueryHandler h = caching(Mode.AUDIT, "blocked.example");
        upstream.on("x.blocked.example.", Type.A, q -> reply(q, a("x.blocked.example.", "192.0.2.61", 300)));
        upstream.on("via.example.com.", Type.A, q -> reply(q, cname("via.example.com.", "y.blocked.example."),
                a("y.blocked.example.", "192.0.2.62", 300)));
        h.handle(query("x.blocked.example.", Type.A, 1).toWire(), udp());
        h.handle(query("via.example.com.", Type.A, 2).toWire(), udp());
        assertThat(firstStep(h, query("x.blocked.example.", Type.A, 3))).isInstanceOf(Judge.Ask.class);
        assertThat(firstStep(h, query("via.example.com.", Type.A, 4))).isInstanceOf(Judge.Ask.class);
        assertThat(upstream.calls).hasSize(2);
    }

    @Test
    void aCachedAnswerIsJudgedAgainUnderANewPolicy() throws IOException {
        AnswerCache cache = new AnswerCache(64);
        QueryHandler allowing = handler(new Rules(DomainPolicy.of(List.of(), List.of(), Action.ALLOW), Mode.ENFORCE,
                BlockedResponse.NXDOMAIN, OutagePlan.NONE, false), cache);
        QueryHandler denyingTheTarget = handler(new Rules(DomainPolicy.of(List.of(), List.of(DomainPattern.parse("cdn.example.net")),
                Action.ALLOW), Mode.ENFORCE, BlockedResponse.NXDOMAIN, OutagePlan.NONE, false), cache);
        upstream.on("www.example.com.", Type.A, q -> reply(q, cname("www.example.com.", "cdn.example.net."),
                a("cdn.example.net.", "192.0.2.63", 300)));
        allowing.handle(query("www.example.com.", Type.A, 1).toWire(), udp());
        Message q = query("www.example.com.", Type.A, 2);
        assertErrorReply(((Judge.Reply) firstStep(denyingTheTarget, q)).bytes(), q, Rcode.NXDOMAIN);
        assertThat(upstream.calls).as("the answer came from the cache, and was blocked there").hasSize(1);
    }

    @Test
    void inEnforceModeABlockedNameIsAnsweredAtTheFirstStepAndAnAllowedOneAsksUpstream() throws IOException {
        QueryHandler h = enforceDenying("github.com");
        Message blocked = query("API.github.com.", Type.A, 0x77);
        Judge.Step step = firstStep(h, blocked);
        assertThat(step).isInstanceOf(Judge.Reply.class);
        assertErrorReply(((Judge.Reply) step).bytes(), blocked, Rcode.NXDOMAIN);
        assertThat(sink.only().verdict()).isEqualTo(Verdict.BLOCKED);

        assertThat(firstStep(h, query("example.com.", Type.A, 0x78))).isInstanceOf(Judge.Ask.class);
        assertThat(counters.queries.get()).isEqualTo(2);
        assertThat(sink.dns).hasSize(1);
        assertThat(upstream.calls).isEmpty();
    }

    @Test
    void anAllowedQueryIsNeitherAttributedNorReportedWhenNothingRecordsIt() throws IOException {
        QueryHandler h = new QueryHandler(new Rules(DomainPolicy.of(List.of(), List.of(DomainPattern.parse("github.com")),
                Action.ALLOW), Mode.ENFORCE, BlockedResponse.NXDOMAIN, OutagePlan.NONE, false), upstream, learned, null,
                new QueryReports((port, txid, t) -> {
                    ownerQueries.add(new OwnerQuery(port, txid, t));
                    return Optional.empty();
                }, processes, sink, counters, false, ProxyChain.NONE), counters);
        upstream.on("ok.internal.", Type.A, q -> reply(q, a("ok.internal.", "192.0.2.64", 60)));
        assertThat(addresses(parse(h.handle(query("ok.internal.", Type.A, 1).toWire(), udp())))).containsExactly("192.0.2.64");
        assertThat(kernel.latest("192.0.2.64")).as("learned all the same").isPresent();
        assertThat(sink.dns).isEmpty();
        assertThat(ownerQueries).isEmpty();

        Message blocked = query("github.com.", Type.A, 2);
        assertErrorReply(h.handle(blocked.toWire(), udp()), blocked, Rcode.NXDOMAIN);
        assertThat(sink.only().verdict()).as("a blocked one is, always").isEqualTo(Verdict.BLOCKED);
        assertThat(ownerQueries).hasSize(1);
    }
}
