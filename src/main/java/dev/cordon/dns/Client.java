package dev.cordon.dns;

/** Where a query came from: the client's source port (with the transaction id, what the kernel keys its sender by) and how. */
public record Client(int sourcePort, Transport transport) {}
