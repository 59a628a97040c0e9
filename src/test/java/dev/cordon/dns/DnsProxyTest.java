package dev.cordon.dns;

import dev.cordon.events.ProcessTable;
import dev.cordon.policy.Action;
import dev.cordon.policy.BlockedResponse;
import dev.cordon.policy.DomainPattern;
import dev.cordon.policy.DomainPolicy;
import dev.cordon.policy.Mode;
import dev.cordon.policy.OutagePlan;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy over real sockets on loopback, against upstream servers that are threads of this test:
 * the UDP loop's upstream side (ids, sockets, forgeries, retries, failover, timeouts, the in-flight
 * cap), the TCP side, and a reload. What a query's steps decide is {@link QueryHandlerTest}'s.
 */
class DnsProxyTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final Kernel kernel = new Kernel();
    private final LearnedAddresses learned = new LearnedAddresses(kernel, LearnedAddresses.Ttl.DEFAULT, 1024);
    private final DnsCounters counters = new DnsCounters();

    /** The times addresses reached the kernel. */
    static final class Kernel implements LearnedAddresses.KernelTable {
        final Map<String, Long> learnedAt = new ConcurrentHashMap<>();

        @Override
        public void learn(byte[] ip, LearnedAddresses.Until until) {
            learnedAt.putIfAbsent(QueryHandlerTest.RecordingKernel.str(ip), System.nanoTime());
        }

        @Override
        public void forget(byte[] ip) {}
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
    }

    /** A UDP server on loopback: answers by {@code answer} (null: stays silent), after any number of forged answers. */
    private final class Server implements AutoCloseable {
        final DatagramSocket socket;
        final Set<Integer> ids = Collections.synchronizedSet(new HashSet<>());
        final Set<Integer> ports = Collections.synchronizedSet(new HashSet<>());
        final Map<Integer, Integer> timesSeen = new ConcurrentHashMap<>();
        final Thread thread;

        Server(Function<Message, List<Message>> answer) throws IOException {
            this(0, answer);
        }

        /** On {@code port} (0: any free one). */
        Server(int port, Function<Message, List<Message>> answer) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", port));
            thread = Thread.ofPlatform().daemon(true).start(() -> {
                byte[] buf = new byte[4096];
                try {
                    while (true) {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        socket.receive(p);
                        Message q = new Message(java.util.Arrays.copyOf(buf, p.getLength()));
                        ids.add(q.getHeader().getID());
                        ports.add(p.getPort());
                        timesSeen.merge(q.getHeader().getID(), 1, Integer::sum);
                        List<Message> replies = answer.apply(q);
                        if (replies == null) continue;
                        for (Message r : replies) {
                            byte[] w = r.toWire();
                            socket.send(new DatagramPacket(w, w.length, p.getSocketAddress()));
                        }
                    }
                } catch (IOException e) {
                    // closed: the test is over
                }
            });
            toClose.add(this);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(2000);
        }
    }

    private static Message answer(Message q, String name, String ip) {
        Message a = new Message(q.getHeader().getID());
        a.getHeader().setFlag(Flags.QR);
        a.addRecord(Record.newRecord(Name.fromConstantString(name), q.getQuestion().getType(), DClass.IN), Section.QUESTION);
        a.addRecord(new ARecord(Name.fromConstantString(name), DClass.IN, 60, InetAddress.ofLiteral(ip)), Section.ANSWER);
        return a;
    }

    private static Message echo(Message q, String ip) {
        return answer(q, q.getQuestion().getName().toString(), ip);
    }

    private QueryHandler handler(DomainPolicy policy, List<InetSocketAddress> servers, Duration timeout) {
        return new QueryHandler(new Rules(policy, Mode.ENFORCE, BlockedResponse.NXDOMAIN, OutagePlan.NONE, false),
                new NetworkUpstream(servers, timeout), learned, null,
                new QueryReports((port, txid, t) -> Optional.empty(), new ProcessTable(8), new QueryHandlerTest.RecordingSink(),
                        counters, true, ProxyChain.NONE), counters);
    }

    private DnsProxy proxy(List<InetSocketAddress> servers, Duration timeout, int maxInFlight) throws IOException {
        return proxy(handler(DomainPolicy.of(List.of(), List.of(DomainPattern.parse("blocked.example")), Action.ALLOW), servers,
                timeout), servers, timeout, maxInFlight);
    }

    private DnsProxy proxy(QueryHandler h, List<InetSocketAddress> servers, Duration timeout, int maxInFlight) throws IOException {
        DnsProxy p = DnsProxy.start(h, servers, timeout, new DnsProxy.Options(maxInFlight, Duration.ofSeconds(5)));
        toClose.add(p);
        return p;
    }

    private DatagramSocket client() throws IOException {
        DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        c.setSoTimeout(5000);
        toClose.add(c);
        return c;
    }

    private static byte[] query(String name, int id) {
        Message q = Message.newQuery(Record.newRecord(Name.fromConstantString(name), Type.A, DClass.IN));
        q.getHeader().setID(id);
        return q.toWire();
    }

    private static void send(DatagramSocket c, DnsProxy p, byte[] q) throws IOException {
        c.send(new DatagramPacket(q, q.length, new InetSocketAddress("127.0.0.1", p.port())));
    }

    private static Message receive(DatagramSocket c) throws IOException {
        byte[] buf = new byte[4096];
        DatagramPacket r = new DatagramPacket(buf, buf.length);
        c.receive(r);
        return new Message(java.util.Arrays.copyOf(buf, r.getLength()));
    }

    private static String address(Message m) {
        return ((ARecord) m.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress();
    }

    @Test
    void concurrentQueriesEachGetTheirOwnAnswerWithTheirOwnIdAndForgeriesAreDropped() throws Exception {
        // Each query is first "answered" for another name with its id (a forgery, or a late answer), then truly.
        Server up = new Server(q -> List.of(answer(q, "forged.example.", "192.0.2.66"), echo(q, "192.0.2.9")));
        DnsProxy p = proxy(List.of(up.address()), Duration.ofSeconds(5), 1024);
        DatagramSocket c = client();
        for (int i = 0; i < 200; i++) send(c, p, query("n" + i + ".example.", 7));
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Message a = receive(c);
            assertThat(a.getHeader().getID()).as("the client's id restored").isEqualTo(7);
            assertThat(address(a)).as("never the forged answer").isEqualTo("192.0.2.9");
            names.add(a.getQuestion().getName().toString());
        }
        assertThat(names).hasSize(200);
        assertThat(up.ids).as("a fresh random id per query on the wire").hasSizeGreaterThan(150);
        assertThat(up.ports).as("spread over several sockets").hasSizeGreaterThan(1);
    }

    @Test
    void theAnswersAddressesReachTheKernelBeforeTheClientHasTheAnswer() throws Exception {
        Server up = new Server(q -> List.of(echo(q, "192.0.2.10")));
        DnsProxy p = proxy(List.of(up.address()), Duration.ofSeconds(5), 1024);
        DatagramSocket c = client();
        send(c, p, query("learn.example.", 1));
        receive(c);
        long received = System.nanoTime();
        assertThat(kernel.learnedAt.get("192.0.2.10")).isNotNull().isLessThan(received);
    }

    @Test
    void aBlockedNameIsAnsweredWithoutAskingUpstream() throws Exception {
        Server up = new Server(q -> List.of(echo(q, "192.0.2.11")));
        DnsProxy p = proxy(List.of(up.address()), Duration.ofSeconds(5), 1024);
        DatagramSocket c = client();
        send(c, p, query("x.blocked.example.", 2));
        assertThat(receive(c).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(up.ids).isEmpty();
    }

    @Test
    void aServerThatIsNotListeningFailsOverAtOnceNotAtItsShareOfTheTimeout() throws Exception {
        InetSocketAddress dead;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            dead = (InetSocketAddress) s.getLocalSocketAddress();
        }
        Server up = new Server(q -> List.of(echo(q, "192.0.2.12")));
        DnsProxy p = proxy(List.of(dead, up.address()), Duration.ofSeconds(20), 1024);
        DatagramSocket c = client();
        long start = System.nanoTime();
        send(c, p, query("failover.example.", 3));
        assertThat(address(receive(c))).isEqualTo("192.0.2.12");
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms, far below the first server's 10 s share").isLessThan(5_000);

        DnsProxy alone = proxy(List.of(dead), Duration.ofSeconds(20), 1024);
        start = System.nanoTime();
        send(c, alone, query("failover.example.", 4));
        assertThat(receive(c).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void noAnswerIsRetriedThenServfailAtTheTimeout() throws Exception {
        Server silent = new Server(q -> null);
        DnsProxy p = proxy(List.of(silent.address()), Duration.ofMillis(1000), 1024);
        DatagramSocket c = client();
        long start = System.nanoTime();
        send(c, p, query("silent.example.", 5));
        assertThat(receive(c).getRcode()).isEqualTo(Rcode.SERVFAIL);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(ms).isBetween(900L, 4_000L);
        assertThat(silent.timesSeen.values()).as("sent again, under the same id, before giving up").singleElement()
                .satisfies(n -> assertThat(n).isGreaterThan(1));
        assertThat(counters.upstreamFailures.get()).isEqualTo(1);
    }

    @Test
    void aLostDatagramCostsARetryNotTheTimeout() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        Server lossy = new Server(q -> seen.getAndIncrement() == 0 ? null : List.of(echo(q, "192.0.2.13")));
        DnsProxy p = proxy(List.of(lossy.address()), Duration.ofSeconds(10), 1024);
        DatagramSocket c = client();
        long start = System.nanoTime();
        send(c, p, query("lossy.example.", 6));
        assertThat(address(receive(c))).isEqualTo("192.0.2.13");
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms: the first retry, not the 10 s").isLessThan(3_000);
    }

    @Test
    void pastTheInFlightCapAQueryGetsServfailAtOnce() throws Exception {
        Server silent = new Server(q -> null);
        DnsProxy p = proxy(List.of(silent.address()), Duration.ofSeconds(20), 2);
        DatagramSocket c = client();
        send(c, p, query("a.example.", 1));
        send(c, p, query("b.example.", 2));
        long start = System.nanoTime();
        send(c, p, query("c.example.", 3));
        Message r = receive(c);
        assertThat(r.getHeader().getID()).isEqualTo(3);
        assertThat(r.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
        assertThat(counters.overloaded.get()).isEqualTo(1);
    }

    @Test
    void aTruncatedAnswerIsAskedAgainOverTcpAndTheWholeOneDecided() throws Exception {
        ServerSocket tcp = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
        toClose.add(tcp);
        int port = tcp.getLocalPort();
        new Server(port, q -> List.of(truncated(q)));
        Thread.ofPlatform().daemon(true).start(() -> serveWhole(tcp));
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        DnsProxy p = proxy(List.of(server), Duration.ofSeconds(5), 1024);
        DatagramSocket c = client();
        send(c, p, query("big.example.", 8));
        Message r = receive(c);
        assertThat(r.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(address(r)).isEqualTo("192.0.2.14");
    }

    /** An empty answer to {@code q} with TC set: the whole one is over TCP. */
    private static Message truncated(Message q) {
        Message tc = new Message(q.getHeader().getID());
        tc.getHeader().setFlag(Flags.QR);
        tc.getHeader().setFlag(Flags.TC);
        tc.addRecord(q.getQuestion(), Section.QUESTION);
        return tc;
    }

    private static void serveWhole(ServerSocket tcp) {
        try {
            while (true) {
                try (Socket s = tcp.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    Message q = new Message(in.readNBytes(in.readUnsignedShort()));
                    s.getOutputStream().write(TcpFraming.frame(echo(q, "192.0.2.14").toWire()));
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    @Test
    void overTcpToo() throws Exception {
        Server up = new Server(q -> List.of(echo(q, "192.0.2.15")));
        ServerSocket tcp = new ServerSocket(up.address().getPort(), 5, InetAddress.getByName("127.0.0.1"));
        toClose.add(tcp);
        Thread.ofPlatform().daemon(true).start(() -> serveWholeAs(tcp, "192.0.2.15"));
        DnsProxy p = proxy(List.of(up.address()), Duration.ofSeconds(5), 1024);
        try (Socket s = new Socket("127.0.0.1", p.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(TcpFraming.frame(query("tcp.example.", 9)));
            DataInputStream in = new DataInputStream(s.getInputStream());
            Message r = new Message(in.readNBytes(in.readUnsignedShort()));
            assertThat(r.getHeader().getID()).isEqualTo(9);
            assertThat(address(r)).isEqualTo("192.0.2.15");
        }
    }

    private static void serveWholeAs(ServerSocket tcp, String ip) {
        try {
            while (true) {
                try (Socket s = tcp.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    Message q = new Message(in.readNBytes(in.readUnsignedShort()));
                    s.getOutputStream().write(TcpFraming.frame(echo(q, ip).toWire()));
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    @Test
    void aReloadJudgesTheNextQueryByTheNewPolicyWithoutAGap() throws Exception {
        Server up = new Server(q -> List.of(echo(q, "192.0.2.16")));
        List<InetSocketAddress> servers = List.of(up.address());
        DnsProxy p = proxy(handler(DomainPolicy.of(List.of(), List.of(), Action.ALLOW), servers, Duration.ofSeconds(5)), servers,
                Duration.ofSeconds(5), 1024);
        DatagramSocket c = client();
        send(c, p, query("reload.example.", 10));
        assertThat(receive(c).getRcode()).isEqualTo(Rcode.NOERROR);
        p.handler(handler(DomainPolicy.of(List.of(), List.of(DomainPattern.parse("reload.example")), Action.ALLOW), servers,
                Duration.ofSeconds(5)));
        send(c, p, query("reload.example.", 11));
        assertThat(receive(c).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void everyAnswerIsTimedFromReadToSentBlockedUpstreamAndFailedAlike() throws Exception {
        Server up = new Server(q -> q.getQuestion().getName().toString().startsWith("silent") ? null : List.of(echo(q, "192.0.2.17")));
        DnsProxy p = proxy(List.of(up.address()), Duration.ofMillis(300), 1024);
        DatagramSocket c = client();
        send(c, p, query("x.blocked.example.", 12));
        assertThat(receive(c).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        send(c, p, query("timed.example.", 13));
        assertThat(receive(c).getRcode()).isEqualTo(Rcode.NOERROR);
        send(c, p, query("silent.example.", 14));
        assertThat(receive(c).getRcode()).isEqualTo(Rcode.SERVFAIL);
        // recorded just after the send returns: the client may read the answer a moment before
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (counters.latency.snapshot().count() < 3 && System.nanoTime() < deadline) LockSupport.parkNanos(1_000_000);
        DnsLatency.Snapshot s = counters.latency.snapshot();
        assertThat(s.count()).isEqualTo(3);
        assertThat(s.sumNs()).as("the failed one waited out the 300 ms timeout").isGreaterThanOrEqualTo(300_000_000L);
    }
}
