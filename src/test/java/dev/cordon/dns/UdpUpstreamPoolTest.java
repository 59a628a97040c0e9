package dev.cordon.dns;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The long-lived upstream sockets against a real UDP server on loopback (a thread of this test). */
class UdpUpstreamPoolTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
    }

    /** Answers each query with one A record; first sends a forged answer (same id, other name) when asked. */
    private InetSocketAddress server(boolean forgeFirst, Set<Integer> idsSeen, Set<Integer> portsSeen) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        toClose.add(ch);
        Thread t = Thread.ofPlatform().daemon(true).start(() -> {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            try {
                while (true) {
                    buf.clear();
                    SocketAddress from = ch.receive(buf);
                    buf.flip();
                    byte[] b = new byte[buf.remaining()];
                    buf.get(b);
                    Message q = new Message(b);
                    synchronized (idsSeen) {
                        idsSeen.add(q.getHeader().getID());
                        portsSeen.add(((InetSocketAddress) from).getPort());
                    }
                    if (forgeFirst) {
                        Message forged = answer(q, Name.fromString("forged.example."));
                        ch.send(ByteBuffer.wrap(forged.toWire()), from);
                    }
                    ch.send(ByteBuffer.wrap(answer(q, q.getQuestion().getName()).toWire()), from);
                }
            } catch (IOException e) {
                // closed: the test is over
            }
        });
        toClose.add(() -> t.join(2000));
        return (InetSocketAddress) ch.getLocalAddress();
    }

    private static Message answer(Message q, Name name) {
        Message a = new Message(q.getHeader().getID());
        a.getHeader().setFlag(Flags.QR);
        a.addRecord(Record.newRecord(name, Type.A, DClass.IN), Section.QUESTION);
        a.addRecord(new ARecord(name, DClass.IN, 60, InetAddress.ofLiteral("192.0.2.9")), Section.ANSWER);
        return a;
    }

    private static byte[] query(String name, int id) throws IOException {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
        q.getHeader().setID(id);
        return q.toWire();
    }

    @Test
    void concurrentQueriesEachGetTheirOwnAnswerWithTheirOwnIdAndForgeriesAreDropped() throws Exception {
        Set<Integer> ids = new HashSet<>();
        Set<Integer> ports = new HashSet<>();
        UdpUpstreamPool pool = new UdpUpstreamPool(server(true, ids, ports));
        toClose.add(pool);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<byte[]>> answers = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                byte[] q = query("n" + i + ".example.", 7);
                answers.add(ex.submit(() -> pool.exchange(q, 5000)));
            }
            for (int i = 0; i < 200; i++) {
                Message a = new Message(answers.get(i).get());
                assertThat(a.getHeader().getID()).as("the client's id restored").isEqualTo(7);
                assertThat(a.getQuestion().getName().toString()).isEqualTo("n" + i + ".example.");
            }
        }
        assertThat(ids).as("a fresh random id per query on the wire").hasSizeGreaterThan(150);
        assertThat(ports).as("spread over the pool's sockets").hasSizeGreaterThan(1);
    }

    @Test
    void aServerThatIsNotListeningFailsAtOnceNotAtTheTimeout() throws Exception {
        DatagramChannel ch = DatagramChannel.open();
        ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        InetSocketAddress dead = (InetSocketAddress) ch.getLocalAddress();
        ch.close();
        UdpUpstreamPool pool = new UdpUpstreamPool(dead);
        toClose.add(pool);
        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.exchange(query("x.example.", 1), 10_000)).isInstanceOf(IOException.class);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void noAnswerTimesOut() throws Exception {
        DatagramChannel silent = DatagramChannel.open();
        silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        toClose.add(silent);
        UdpUpstreamPool pool = new UdpUpstreamPool((InetSocketAddress) silent.getLocalAddress());
        toClose.add(pool);
        assertThatThrownBy(() -> pool.exchange(query("x.example.", 1), 100)).isInstanceOf(java.net.SocketTimeoutException.class);
    }
}
