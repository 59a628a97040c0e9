package dev.cordon.dns;

import dev.cordon.events.ProcessRef;

import java.util.Optional;

/** Who sent a query, as the kernel recorded it (by client source port and transaction id). */
@FunctionalInterface
public interface QueryOwnerLookup {
    Optional<ProcessRef> owner(int sourcePort, int txid, Transport transport);
}
