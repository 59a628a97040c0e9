package dev.cordon.dns;

import dev.cordon.events.ProcessTable;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the fuzzer found, spelled out. Each finding's input stays under
 * {@code QueryHandlerFuzzTestInputs/fuzz/} (Jazzer replays it on every {@code mvn test}); here the
 * broken property is named and the fixed behaviour asserted directly.
 */
class FuzzFindingsTest {
    /**
     * crash-upstream-answer-without-qr: upstream "answered" with a message whose QR bit is clear (a
     * query reflected back, or a forged packet); the proxy passed it on to the client as the answer.
     * Now that is an upstream failure: SERVFAIL.
     */
    @Test
    void anUpstreamMessageWithoutQrIsAnUpstreamFailure() throws IOException {
        assertThatCode(() -> DnsFuzzCase.check(finding("crash-upstream-answer-without-qr"))).doesNotThrowAnyException();

        Message q = FuzzSeeds.query("ok.test.", Type.A, 0x4242);
        Upstream notAResponse = (query, transport) -> {
            Message m = FuzzSeeds.reply(new Message(query), FuzzSeeds.a("ok.test.", "127.0.0.1"));
            m.getHeader().unsetFlag(Flags.QR);
            return m.toWire();
        };
        DnsCounters counters = new DnsCounters();
        QueryHandler h = new QueryHandler(new Rules(DnsFuzzCase.policy(false), Mode.ENFORCE, BlockedResponse.NXDOMAIN,
                OutagePlan.NONE, false), notAResponse, new LearnedAddresses(new DnsFuzzCase.LearnKernel(), LearnedAddresses.Ttl.DEFAULT, 8),
                null, new QueryReports((port, txid, t) -> Optional.empty(), new ProcessTable(8), new DnsFuzzCase.Events(), counters,
                true, ProxyChain.NONE), counters);

        Message reply = new Message(h.handle(q.toWire(), new Client(40_000, Transport.UDP)));

        assertThat(reply.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(Rcode.string(reply.getHeader().getRcode())).isEqualTo("SERVFAIL");
        assertThat(counters.upstreamFailures).hasValue(1);
    }

    /** The fuzzer's checks can fail: an enforce-mode answer giving an address for a blocked name is caught. */
    @Test
    void theBlockedNameCheckCatchesAnAddressForABlockedName() {
        Message q = FuzzSeeds.query("ok.test.", Type.A, 1);
        Message viaCname = FuzzSeeds.reply(q, FuzzSeeds.cname("ok.test.", "x.blocked.test."), FuzzSeeds.a("x.blocked.test.", "127.0.0.1"));
        Message direct = FuzzSeeds.reply(FuzzSeeds.query("x.blocked.test.", Type.A, 2), FuzzSeeds.a("x.blocked.test.", "127.0.0.1"));
        Message fine = FuzzSeeds.reply(q, FuzzSeeds.a("ok.test.", "127.0.0.1"));

        assertThatThrownBy(() -> DnsFuzzCase.checkNoAddressesForBlocked(DnsFuzzCase.policy(false), "ok.test.", viaCname))
                .isInstanceOf(AssertionError.class).hasMessageContaining("x.blocked.test.");
        assertThatThrownBy(() -> DnsFuzzCase.checkNoAddressesForBlocked(DnsFuzzCase.policy(false), "x.blocked.test.", direct))
                .isInstanceOf(AssertionError.class).hasMessageContaining("blocked question");
        assertThatCode(() -> DnsFuzzCase.checkNoAddressesForBlocked(DnsFuzzCase.policy(false), "ok.test.", fine))
                .doesNotThrowAnyException();
    }

    private static byte[] finding(String name) throws IOException {
        try (InputStream in = FuzzFindingsTest.class.getResourceAsStream("QueryHandlerFuzzTestInputs/fuzz/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }
}
