package dev.cordon.sys;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Batched datagrams over real sockets on loopback: what goes in comes out, with its sender; epoll wakes. */
class DatagramBatchTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    private UdpSocket bound(boolean v6) throws Exception {
        UdpSocket s = closing(UdpSocket.open(v6));
        s.bind(InetAddress.getByName(v6 ? "::1" : "127.0.0.1"), 0);
        return s;
    }

    @Test
    void manyDatagramsInOneReceiveEachWithItsSenderAndTheRepliesGoBackToThem() throws Exception {
        UdpSocket server = bound(false);
        DatagramSocket a = closing(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
        DatagramSocket b = closing(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", server.localPort());
        a.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, to));
        b.send(new DatagramPacket(new byte[] {4, 5}, 2, to));
        a.send(new DatagramPacket(new byte[] {6}, 1, to));

        DatagramBatch in = closing(new DatagramBatch(8, 64));
        DatagramBatch out = closing(new DatagramBatch(8, 64));
        Epoll epoll = closing(new Epoll(4));
        epoll.add(server.fd(), 7);
        assertThat(epoll.await(2000)).isEqualTo(1);
        assertThat(epoll.token(0)).isEqualTo(7);
        int n = in.receive(server);
        assertThat(n).isEqualTo(3);
        assertThat(in.copy(0)).containsExactly(1, 2, 3);
        assertThat(in.copy(1)).containsExactly(4, 5);
        assertThat(in.peerPort(0)).isEqualTo(a.getLocalPort());
        assertThat(in.peerPort(1)).isEqualTo(b.getLocalPort());
        assertThat(in.receive(server)).as("nothing more waiting: no wait either").isZero();

        byte[] peer = new byte[28];
        for (int i = 0; i < n; i++) {
            in.peer(i, peer);
            assertThat(out.add(new byte[] {(byte) (10 + i)}, peer)).isTrue();
        }
        assertThat(out.send(server)).isEqualTo(3);
        a.setSoTimeout(2000);
        b.setSoTimeout(2000);
        assertThat(receive(a)).containsExactly(10);
        assertThat(receive(b)).containsExactly(11);
        assertThat(receive(a)).containsExactly(12);
    }

    @Test
    void ipv6PeersToo() throws Exception {
        UdpSocket server = bound(true);
        DatagramSocket c = closing(new DatagramSocket(new InetSocketAddress("::1", 0)));
        c.send(new DatagramPacket(new byte[] {9}, 1, new InetSocketAddress("::1", server.localPort())));
        DatagramBatch in = closing(new DatagramBatch(2, 16));
        Epoll epoll = closing(new Epoll(1));
        epoll.add(server.fd(), 1);
        epoll.await(2000);
        assertThat(in.receive(server)).isEqualTo(1);
        byte[] peer = new byte[28];
        in.peer(0, peer);
        DatagramBatch.sendOne(server, new byte[] {8}, peer);
        c.setSoTimeout(2000);
        assertThat(receive(c)).containsExactly(8);
    }

    @Test
    void aDatagramLongerThanItsRoomIsMarkedTruncated() throws Exception {
        UdpSocket server = bound(false);
        DatagramSocket c = closing(new DatagramSocket());
        c.send(new DatagramPacket(new byte[100], 100, new InetSocketAddress("127.0.0.1", server.localPort())));
        DatagramBatch in = closing(new DatagramBatch(1, 16));
        Epoll epoll = closing(new Epoll(1));
        epoll.add(server.fd(), 1);
        epoll.await(2000);
        assertThat(in.receive(server)).isEqualTo(1);
        assertThat(in.truncated(0)).isTrue();
        assertThat(in.copy(0)).hasSize(16);
    }

    @Test
    void aConnectedSocketHearsThatItsPeerIsNotListening() throws Exception {
        int dead;
        try (UdpSocket probe = UdpSocket.open(false)) {
            probe.bind(InetAddress.getByName("127.0.0.1"), 0);
            dead = probe.localPort();
        }
        UdpSocket s = closing(UdpSocket.open(false));
        s.connect(new InetSocketAddress("127.0.0.1", dead));
        DatagramBatch out = closing(new DatagramBatch(1, 16));
        out.add(new byte[] {1}, null);
        out.send(s);
        Epoll epoll = closing(new Epoll(1));
        epoll.add(s.fd(), 1);
        assertThat(epoll.await(2000)).as("the ICMP error wakes the wait").isEqualTo(1);
        DatagramBatch in = closing(new DatagramBatch(1, 16));
        assertThatThrownBy(() -> in.receive(s)).isInstanceOfSatisfying(Libc.ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(DatagramBatch.ECONNREFUSED));
    }

    @Test
    void shutdownWakesAWaitWithoutATimeout() throws Exception {
        UdpSocket server = bound(false);
        Epoll epoll = closing(new Epoll(1));
        epoll.add(server.fd(), 3);
        Thread waker = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            server.shutdown();
        });
        long start = System.nanoTime();
        assertThat(epoll.await(-1)).isEqualTo(1);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
        waker.join();
    }

    private static byte[] receive(DatagramSocket s) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[64], 64);
        s.receive(p);
        return java.util.Arrays.copyOf(p.getData(), p.getLength());
    }
}
