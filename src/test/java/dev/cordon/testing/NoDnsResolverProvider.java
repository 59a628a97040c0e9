package dev.cordon.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * Replaces the JVM's name resolver for the whole unit-test run (registered in
 * META-INF/services): unit tests must not touch the network, and tests can assert that
 * code which must never resolve names (CIDR parsing) did not try to.
 * Every lookup is recorded and refused.
 */
public final class NoDnsResolverProvider extends InetAddressResolverProvider {
    private static final List<String> LOOKUPS = new CopyOnWriteArrayList<>();

    /** Names (or "reverse:ADDR") that something in this JVM tried to resolve so far. */
    public static List<String> lookups() {
        return List.copyOf(LOOKUPS);
    }

    @Override
    public InetAddressResolver get(Configuration configuration) {
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy lookupPolicy) throws UnknownHostException {
                LOOKUPS.add(host);
                throw new UnknownHostException(host + ": name resolution is disabled in unit tests");
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                LOOKUPS.add("reverse:" + java.util.HexFormat.of().formatHex(addr));
                throw new UnknownHostException("reverse lookups are disabled in unit tests");
            }
        };
    }

    @Override
    public String name() {
        return "cordon-unit-tests-no-dns";
    }
}
