package dev.cordon.dns;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class LearnedAddressesTest {
    static final long S = 1_000_000_000L;

    /** What the kernel side was told, in order. */
    static final class RecordingKernel implements LearnedAddresses.KernelTable {
        record Call(String op, String ip, long allowUntil, long denyUntil) {}

        final List<Call> calls = new ArrayList<>();

        @Override
        public synchronized void learn(byte[] ip, LearnedAddresses.Until until) {
            calls.add(new Call("learn", str(ip), until.allowNs(), until.denyNs()));
        }

        @Override
        public synchronized void forget(byte[] ip) {
            calls.add(new Call("forget", str(ip), 0, 0));
        }

        synchronized Call last() {
            return calls.getLast();
        }

        synchronized List<Call> of(String ip) {
            return calls.stream().filter(c -> c.ip.equals(ip)).toList();
        }

        static String str(byte[] ip) {
            try {
                return InetAddress.getByAddress(ip).getHostAddress();
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError(Arrays.toString(ip), e);
            }
        }
    }

    private final AtomicLong now = new AtomicLong(1_000 * S);
    private RecordingKernel kernel;

    @BeforeEach
    void setUp() {
        kernel = new RecordingKernel();
    }

    private LearnedAddresses learned(long floor, long grace, int capacity) {
        return new LearnedAddresses(kernel, new LearnedAddresses.Ttl(floor, grace), capacity, now::get);
    }

    private static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    @Test
    void aShortTtlIsRaisedToTheFloorAndTheGraceIsAdded() {
        LearnedAddresses l = learned(30, 60, 16);
        l.learnAllowed(ip("10.0.0.1"), "a.example.", 5);
        assertThat(kernel.last()).isEqualTo(new RecordingKernel.Call("learn", "10.0.0.1", now.get() + (30 + 60) * S, 0));

        l.learnAllowed(ip("10.0.0.2"), "b.example.", 300);
        assertThat(kernel.last()).isEqualTo(new RecordingKernel.Call("learn", "10.0.0.2", now.get() + (300 + 60) * S, 0));

        l.learnDenied(ip("2001:db8::1"), "c.example.", 0);
        assertThat(kernel.last()).isEqualTo(new RecordingKernel.Call("learn", "2001:db8:0:0:0:0:0:1", 0, now.get() + 90 * S));
    }

    @Test
    void withoutAFloorTheTtlPlusGraceDecides() {
        LearnedAddresses l = learned(0, 1, 16);
        l.learnAllowed(ip("10.0.0.1"), "a.example.", 1);
        assertThat(kernel.last().allowUntil()).isEqualTo(now.get() + 2 * S);
        l.learnAllowed(ip("10.0.0.2"), "b.example.", 0);
        assertThat(kernel.last().allowUntil()).isEqualTo(now.get() + S);
    }

    @Test
    void sweepRemovesExpiredAddressesAndForgetsThemInTheKernel() {
        LearnedAddresses l = learned(0, 1, 16);
        l.learnAllowed(ip("10.0.0.1"), "short.example.", 1);  // until now+2s
        l.learnDenied(ip("10.0.0.2"), "long.example.", 100);  // until now+101s

        now.addAndGet(S);
        assertThat(l.sweep()).isZero();
        assertThat(kernel.calls).noneMatch(c -> c.op().equals("forget"));

        now.addAndGet(S); // exactly at expiry: gone (the kernel compares until > now)
        assertThat(l.sweep()).isEqualTo(1);
        assertThat(kernel.last()).isEqualTo(new RecordingKernel.Call("forget", "10.0.0.1", 0, 0));
        assertThat(l.size()).isEqualTo(1);
        assertThat(l.namesFor(ip("10.0.0.1").getAddress()).isEmpty()).isTrue();
        assertThat(l.namesFor(ip("10.0.0.2").getAddress()).denied()).containsExactly("long.example.");

        now.addAndGet(200 * S);
        assertThat(l.sweep()).isEqualTo(1);
        assertThat(l.size()).isZero();
        assertThat(kernel.of("10.0.0.2").getLast().op()).isEqualTo("forget");
        assertThat(l.sweep()).isZero();
    }

    @Test
    void expiredNamesStillExplainOldEventsUntilTheSweep() {
        LearnedAddresses l = learned(0, 0, 16);
        l.learnAllowed(ip("10.0.0.1"), "a.example.", 1);
        now.addAndGet(10 * S);
        assertThat(l.namesFor(ip("10.0.0.1").getAddress()).allowed()).containsExactly("a.example.");
    }

    @Test
    void aSharedAddressKeepsEveryNameAndTheKernelSeesBothVerdicts() {
        LearnedAddresses l = learned(30, 60, 16);
        InetAddress cdn = ip("192.0.2.10");
        l.learnAllowed(cdn, "allowed.example.", 30);
        l.learnAllowed(cdn, "also-allowed.example.", 30);
        l.learnDenied(cdn, "github.com.", 30);

        LearnedAddresses.Names names = l.namesFor(cdn.getAddress());
        assertThat(names.allowed()).containsExactly("allowed.example.", "also-allowed.example.");
        assertThat(names.denied()).containsExactly("github.com.");
        RecordingKernel.Call last = kernel.last();
        assertThat(last.allowUntil()).isEqualTo(now.get() + 90 * S);
        assertThat(last.denyUntil()).isEqualTo(now.get() + 90 * S);
        assertThat(l.size()).isEqualTo(1);
    }

    @Test
    void whenOneNameOfASharedAddressExpiresTheOtherStaysAndTheKernelIsUpdated() {
        LearnedAddresses l = learned(0, 0, 16);
        InetAddress cdn = ip("192.0.2.10");
        l.learnAllowed(cdn, "allowed.example.", 10);
        l.learnDenied(cdn, "github.com.", 100);

        now.addAndGet(50 * S);
        assertThat(l.sweep()).isZero();
        assertThat(kernel.last()).isEqualTo(new RecordingKernel.Call("learn", "192.0.2.10", 0, now.get() + 50 * S));
        assertThat(l.namesFor(cdn.getAddress())).isEqualTo(new LearnedAddresses.Names(List.of(), List.of("github.com.")));
    }

    @Test
    void learningAgainExtendsButNeverShortens() {
        LearnedAddresses l = learned(0, 0, 16);
        long t0 = now.get();
        l.learnAllowed(ip("10.0.0.1"), "a.example.", 100);
        now.addAndGet(10 * S);
        l.learnAllowed(ip("10.0.0.1"), "a.example.", 5);
        assertThat(kernel.last().allowUntil()).isEqualTo(t0 + 100 * S);
        l.learnAllowed(ip("10.0.0.1"), "a.example.", 200);
        assertThat(kernel.last().allowUntil()).isEqualTo(now.get() + 200 * S);
    }

    @Test
    void pastCapacityNewAddressesAreRefusedAndCountedKnownOnesStillLearn() {
        LearnedAddresses l = learned(30, 60, 2);
        l.learnAllowed(ip("10.0.0.1"), "a.example.", 30);
        l.learnAllowed(ip("10.0.0.2"), "b.example.", 30);
        int callsBefore = kernel.calls.size();

        l.learnAllowed(ip("10.0.0.3"), "c.example.", 30);
        l.learnDenied(ip("2001:db8::3"), "d.example.", 30);
        assertThat(l.refusedAtCapacity()).isEqualTo(2);
        assertThat(l.size()).isEqualTo(2);
        assertThat(kernel.calls).hasSize(callsBefore);
        assertThat(l.namesFor(ip("10.0.0.3").getAddress()).isEmpty()).isTrue();

        l.learnDenied(ip("10.0.0.1"), "blocked.example.", 30); // an address already held is no new entry
        assertThat(l.refusedAtCapacity()).isEqualTo(2);
        assertThat(l.namesFor(ip("10.0.0.1").getAddress()).denied()).containsExactly("blocked.example.");

        now.addAndGet(1000 * S);
        assertThat(l.sweep()).isEqualTo(2);
        l.learnAllowed(ip("10.0.0.3"), "c.example.", 30); // room again after the sweep
        assertThat(l.size()).isEqualTo(1);
        assertThat(l.refusedAtCapacity()).isEqualTo(2);
    }

    @Test
    void namesForAnUnknownOrMalformedAddressIsEmpty() {
        LearnedAddresses l = learned(30, 60, 16);
        assertThat(l.namesFor(ip("10.9.9.9").getAddress()).isEmpty()).isTrue();
        assertThat(l.namesFor(new byte[3]).isEmpty()).isTrue();
    }

    @Test
    void ipv6AddressesAreHandedToTheKernelAsSixteenBytes() {
        byte[][] seen = new byte[1][];
        LearnedAddresses l = new LearnedAddresses(new LearnedAddresses.KernelTable() {
            public void learn(byte[] ip, LearnedAddresses.Until until) {
                seen[0] = ip;
            }

            public void forget(byte[] ip) {}
        }, LearnedAddresses.Ttl.DEFAULT, 4);
        l.learnAllowed(ip("2001:db8::5"), "v6.example.", 30);
        assertThat(seen[0]).hasSize(16);
        l.learnAllowed(ip("10.0.0.5"), "v4.example.", 30);
        assertThat(seen[0]).hasSize(4);
    }

    @Test
    void anAddressKeepsABoundedNumberOfNamesAndTheLongestTimeSurvives() {
        LearnedAddresses l = learned(30, 60, 16);
        InetAddress cdn = ip("192.0.2.11");
        l.learnAllowed(cdn, "long.example.", 10_000);
        for (int i = 0; i < 10 * LearnedAddresses.MAX_NAMES_PER_ADDRESS; i++) {
            now.addAndGet(S);
            l.learnAllowed(cdn, "n" + i + ".flood.example.", 1);
        }
        LearnedAddresses.Names names = l.namesFor(cdn.getAddress());
        assertThat(names.allowed()).hasSize(LearnedAddresses.MAX_NAMES_PER_ADDRESS).contains("long.example.");
        assertThat(l.namesDropped()).isEqualTo(10 * LearnedAddresses.MAX_NAMES_PER_ADDRESS - LearnedAddresses.MAX_NAMES_PER_ADDRESS + 1);
        assertThat(kernel.last().allowUntil()).as("the kernel keeps the longest time").isEqualTo(1_000 * S + 10_060 * S);
    }

    @Test
    void theSameAnswerAgainWithinTheSlackDoesNotTouchTheKernel() {
        LearnedAddresses l = learned(30, 60, 16);
        l.learnAllowed(ip("10.0.0.1"), "a.example.", 300);
        now.addAndGet(LearnedAddresses.PUSH_SLACK_NS / 2);
        l.learnAllowed(ip("10.0.0.1"), "a.example.", 300);
        l.learnAllowed(ip("10.0.0.1"), "b.example.", 300);
        assertThat(kernel.of("10.0.0.1")).as("one map update for answers within the slack").hasSize(1);
        assertThat(l.namesFor(ip("10.0.0.1").getAddress()).allowed()).containsExactly("a.example.", "b.example.");

        now.addAndGet(LearnedAddresses.PUSH_SLACK_NS);
        l.learnAllowed(ip("10.0.0.1"), "a.example.", 300);
        assertThat(kernel.of("10.0.0.1")).hasSize(2);
        assertThat(kernel.last().allowUntil()).isEqualTo(now.get() + 360 * S);

        l.learnDenied(ip("10.0.0.1"), "c.example.", 300);
        assertThat(kernel.of("10.0.0.1")).as("a new kind is always pushed").hasSize(3);
        assertThat(kernel.last().denyUntil()).isEqualTo(now.get() + 360 * S);
    }

    @Test
    void aReloadMovesEachNameToWhatTheNewPolicySaysAndTellsTheKernel() throws Exception {
        LearnedAddresses l = learned(30, 60, 100);
        InetAddress shared = InetAddress.getByName("192.0.2.1"), other = InetAddress.getByName("192.0.2.2");
        l.learnAllowed(shared, "api.example.", 100);
        l.learnDenied(shared, "blocked.example.", 100);
        l.learnAllowed(other, "ok.example.", 100);
        int before = kernel.calls.size();

        int changed = l.rejudge(name -> name.equals("api.example."));

        assertThat(changed).isEqualTo(1);
        assertThat(l.namesFor(shared.getAddress())).satisfies(n -> {
            assertThat(n.allowed()).containsExactly("blocked.example.");
            assertThat(n.denied()).containsExactly("api.example.");
        });
        assertThat(kernel.calls.subList(before, kernel.calls.size())).singleElement().satisfies(c -> {
            assertThat(c.ip()).isEqualTo("192.0.2.1");
            assertThat(c.allowUntil()).isPositive();
            assertThat(c.denyUntil()).isPositive();
        });
        assertThat(l.rejudge(name -> name.equals("api.example."))).as("nothing moves twice").isZero();
    }
}
