package dev.cordon.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A UDP socket on one loopback address and an ephemeral port; records every datagram's payload in order. */
final class UdpListener implements AutoCloseable {
    private static final String SENTINEL_PREFIX = "sentinel ";

    private final DatagramSocket socket;
    private final String address;
    private final Thread receiver;
    private final List<String> received = new ArrayList<>();

    UdpListener(String address) {
        this.address = address;
        try {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), 0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind UDP on " + address, e);
        }
        receiver = Thread.ofPlatform().daemon(true).name("udp-listener-" + address).start(this::receiveLoop);
    }

    private void receiveLoop() {
        byte[] buf = new byte[2048];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (IOException e) {
                continue; // closed: the loop ends
            }
            synchronized (received) {
                received.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
                received.notifyAll();
            }
        }
    }

    String host() {
        return address;
    }

    int port() {
        return socket.getLocalPort();
    }

    String spec(String proto) {
        return proto + ":" + host() + ":" + port();
    }

    List<String> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /**
     * The datagrams that arrived before now, exactly: a sentinel datagram sent from the test is queued
     * behind anything already delivered to the socket, and received in order.
     */
    List<String> receivedBeforeSentinel() {
        String tag = SENTINEL_PREFIX + System.nanoTime();
        try (DatagramSocket s = new DatagramSocket()) {
            byte[] b = tag.getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(b, b.length, socket.getLocalAddress(), port()));
        } catch (IOException e) {
            throw new UncheckedIOException("sentinel datagram to " + host() + ":" + port() + " failed", e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        synchronized (received) {
            while (!received.contains(tag)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError("the UDP listener on " + host() + " did not receive the test's sentinel");
                try {
                    received.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
            List<String> before = List.copyOf(received.subList(0, received.indexOf(tag)));
            received.removeIf(m -> m.startsWith(SENTINEL_PREFIX));
            return before.stream().filter(m -> !m.startsWith(SENTINEL_PREFIX)).toList();
        }
    }

    @Override
    public void close() {
        socket.close();
        try {
            receiver.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "UdpListener[" + host() + ":" + port() + " received=" + received() + "]";
    }
}
