package dev.cordon.dns;

import dev.cordon.events.DnsEvent;
import dev.cordon.events.ExecEvent;
import dev.cordon.events.ProcessRef;
import dev.cordon.events.ProcessTable;
import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static dev.cordon.dns.QueryHandlerTest.a;
import static dev.cordon.dns.QueryHandlerTest.query;
import static dev.cordon.dns.QueryHandlerTest.reply;
import static dev.cordon.dns.QueryHandlerTest.udp;
import static org.assertj.core.api.Assertions.assertThat;

/** The owner option between nested guards' proxies: its bytes, and when the outer proxy believes it. */
class OwnerOptionTest {
    static final byte[] OUTER = "outer-chain-tok!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final int INNER_PID = 5151, OTHER_PID = 6262;
    static final long TASK_CGROUP = 0x1_0000_0042L;

    @Test
    void addedThenStrippedGivesTheQueryBackAndTheClaim() throws IOException {
        byte[] plain = query("github.com.", Type.A, 7).toWire();
        byte[] edns = QueryHandlerTest.withEdns(query("github.com.", Type.A, 8), 1232).toWire();
        for (byte[] q : List.of(plain, edns)) {
            byte[] lent = OwnerOption.add(q, OUTER, INNER_PID, TASK_CGROUP);
            assertThat(lent.length).isGreaterThan(q.length);
            new Message(lent); // still a query any resolver reads (an unknown option is ignored)
            OwnerOption.Stripped s = OwnerOption.strip(lent);
            assertThat(s.raw()).as("exactly the query as the client sent it").isEqualTo(q);
            assertThat(s.claim().pid()).isEqualTo(INNER_PID);
            assertThat(s.claim().cgroupId()).isEqualTo(TASK_CGROUP);
            assertThat(s.claim().shows(OUTER)).isTrue();
            assertThat(s.claim().shows(new byte[OwnerOption.TOKEN_BYTES])).isFalse();
            assertThat(s.claim().shows(null)).isFalse();
            assertThat(OwnerOption.strip(q)).as("no option, nothing to strip").isNull();
        }
    }

    @Test
    void anotherClientOptionStaysAndAMalformedOneIsStrippedWithoutAClaim() throws IOException {
        Message m = query("github.com.", Type.A, 9);
        m.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new GenericEDNSOption(65_001, new byte[] {1, 2}),
                new GenericEDNSOption(OwnerOption.CODE, new byte[] {1, 0, 9}))), Section.ADDITIONAL);
        OwnerOption.Stripped s = OwnerOption.strip(m.toWire());
        assertThat(s.claim()).as("too short: no claim").isNull();
        List<?> left = new Message(s.raw()).getOPT().getOptions();
        assertThat(left).hasSize(1).allMatch(o -> ((GenericEDNSOption) o).getCode() == 65_001);

        byte[] lent = OwnerOption.add(query("github.com.", Type.A, 10).toWire(), OUTER, INNER_PID, TASK_CGROUP);
        for (int cut = 1; cut < lent.length; cut++) OwnerOption.strip(Arrays.copyOf(lent, cut)); // never throws
        byte[] badVersion = lent.clone();
        badVersion[lent.length - OwnerOption.LENGTH] = 9;
        assertThat(OwnerOption.strip(badVersion).claim()).isNull();
        byte[] twoQuestions = lent.clone();
        twoQuestions[5] = 2;
        assertThat(OwnerOption.strip(twoQuestions)).as("another shape: left alone").isNull();
        assertThat(OwnerOption.add(twoQuestions, OUTER, 1, 1)).isSameAs(twoQuestions);
    }

    // ---- the trust rule, through the proxy's handler ----

    final QueryHandlerTest.ScriptedUpstream upstream = new QueryHandlerTest.ScriptedUpstream();
    final QueryHandlerTest.RecordingSink sink = new QueryHandlerTest.RecordingSink();
    final ProcessTable processes = new ProcessTable(16);

    OwnerOptionTest() {
        processes.onExec(new ExecEvent(1, new ProcessRef(INNER_PID, INNER_PID, "curl", TASK_CGROUP), 1,
                List.of("curl", "https://github.com"), false, null, null));
        processes.onExec(new ExecEvent(2, new ProcessRef(OTHER_PID, OTHER_PID, "sh", 1), 1, List.of("sh", "-c", "x"), false, null, null));
    }

    QueryHandler handler(Optional<ProcessRef> kernelSender, ProxyChain chain) {
        DnsCounters counters = new DnsCounters();
        return new QueryHandler(new Rules(DomainPolicy.of(List.of(), List.of(DomainPattern.parse("github.com")), Action.ALLOW),
                Mode.ENFORCE, BlockedResponse.NXDOMAIN, OutagePlan.NONE, false), upstream,
                new LearnedAddresses(new QueryHandlerTest.RecordingKernel(), LearnedAddresses.Ttl.DEFAULT, 64), null,
                new QueryReports((port, txid, t) -> kernelSender, processes, sink, counters, true, chain), counters);
    }

    DnsEvent outerSees(byte[] query, Optional<ProcessRef> kernelSender) {
        byte[] r = handler(kernelSender, new ProxyChain(OUTER, null)).handle(query, udp());
        assertThat(r[3] & 0x0f).isEqualTo(Rcode.NXDOMAIN);
        return sink.only();
    }

    @Test
    void theOuterProxyNamesTheProcessAnInnerProxyNamesWithItsToken() {
        DnsEvent e = outerSees(OwnerOption.add(query("github.com.", Type.A, 11).toWire(), OUTER, INNER_PID, TASK_CGROUP), Optional.empty());
        assertThat(e.who().pid()).isEqualTo(INNER_PID);
        assertThat(e.who().argv()).containsExactly("curl", "https://github.com");
    }

    @Test
    void aWrongTokenIsNotBelieved() {
        byte[] forged = OwnerOption.add(query("github.com.", Type.A, 12).toWire(), "not-the-token!!!".getBytes(), INNER_PID, 1);
        assertThat(outerSees(forged, Optional.empty()).who().pid()).isZero();
    }

    @Test
    void aPidTheOuterTableDoesNotKnowIsNotNamed() {
        byte[] elsewhere = OwnerOption.add(query("github.com.", Type.A, 13).toWire(), OUTER, 1, 1); // pid 1: not of this subtree
        DnsEvent e = outerSees(elsewhere, Optional.empty());
        assertThat(e.who().pid()).isZero();
        assertThat(e.who().argv()).containsExactly("?");
    }

    @Test
    void aSenderTheKernelKnowsIsNeverOverruled() {
        byte[] claimed = OwnerOption.add(query("github.com.", Type.A, 14).toWire(), OUTER, INNER_PID, TASK_CGROUP);
        assertThat(outerSees(claimed, Optional.of(new ProcessRef(OTHER_PID, OTHER_PID, "sh", 1))).who().pid()).isEqualTo(OTHER_PID);
    }

    @Test
    void theInnerProxyNamesItsSenderToTheOuterOneAndTheOuterStripsItBeforeGoingOn() {
        upstream.on("example.org.", Type.A, q -> reply(q, a("example.org.", "192.0.2.7", 60)));
        QueryHandler inner = handler(Optional.of(new ProcessRef(INNER_PID, INNER_PID, "curl", TASK_CGROUP)),
                new ProxyChain(new byte[OwnerOption.TOKEN_BYTES], OUTER));
        inner.handle(query("example.org.", Type.A, 15).toWire(), udp());
        OwnerOption.Claim sent = OwnerOption.strip(upstream.calls.getFirst().wire()).claim();
        assertThat(sent.pid()).isEqualTo(INNER_PID);
        assertThat(sent.cgroupId()).isEqualTo(TASK_CGROUP);
        assertThat(sent.shows(OUTER)).isTrue();

        handler(Optional.empty(), new ProxyChain(OUTER, null)).handle(upstream.calls.getFirst().wire(), udp());
        assertThat(OwnerOption.strip(upstream.calls.get(1).wire())).as("the outer proxy sends it on without the option").isNull();
        assertThat(upstream.calls.get(1).wire()).isEqualTo(query("example.org.", Type.A, 15).toWire());
    }
}
