package dev.cordon.dns;

/** DNS over TCP (RFC 7766): each message is preceded by its length as two bytes, big-endian. */
final class TcpFraming {
    private TcpFraming() {}

    static byte[] frame(byte[] message) {
        byte[] framed = new byte[message.length + 2];
        framed[0] = (byte) (message.length >>> 8);
        framed[1] = (byte) message.length;
        System.arraycopy(message, 0, framed, 2, message.length);
        return framed;
    }
}
