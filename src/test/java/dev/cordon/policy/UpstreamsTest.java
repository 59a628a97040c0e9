package dev.cordon.policy;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UpstreamsTest {
    private static InetSocketAddress at(String ip, int port) {
        return new InetSocketAddress(InetAddress.ofLiteral(ip), port);
    }

    @Test
    void acceptsIpv4WithAndWithoutPort() {
        assertThat(Upstreams.parse("127.0.0.1")).isEqualTo(at("127.0.0.1", 53));
        assertThat(Upstreams.parse("127.0.0.1:5353")).isEqualTo(at("127.0.0.1", 5353));
        assertThat(Upstreams.parse("  10.0.0.1:53 ")).isEqualTo(at("10.0.0.1", 53));
        assertThat(Upstreams.parse("127.0.0.1:65535").getPort()).isEqualTo(65535);
        assertThat(Upstreams.parse("127.0.0.1:1").getPort()).isEqualTo(1);
    }

    @Test
    void acceptsIpv6BareOrInBrackets() {
        assertThat(Upstreams.parse("::1")).isEqualTo(at("::1", 53));
        assertThat(Upstreams.parse("2001:db8::53")).isEqualTo(at("2001:db8::53", 53));
        assertThat(Upstreams.parse("[::1]")).isEqualTo(at("::1", 53));
        assertThat(Upstreams.parse("[::1]:5353")).isEqualTo(at("::1", 5353));
        assertThat(Upstreams.parse("[2001:db8::53]:853")).isEqualTo(at("2001:db8::53", 853));
    }

    @Test
    void neverResolvesAName() {
        for (String s : new String[] {"dns.google", "localhost", "localhost:53", "resolver.internal:5353"}) {
            assertThatThrownBy(() -> Upstreams.parse(s)).as(s).isInstanceOf(PolicyException.class)
                    .hasMessageContaining("bad upstream '" + s + "'")
                    .hasMessageContaining("give an IP address, not a name");
        }
    }

    @Test
    void rejectsBadInputWithTheReason() {
        assertRejected("", "give an IP address");
        assertRejected(null, "give an IP address");
        assertRejected(":53", "give an IP address");
        assertRejected("127.0.0.1:abc", "port 'abc' is not a number");
        assertRejected("127.0.0.1:", "port '' is not a number");
        assertRejected("127.0.0.1:-1", "port '-1' is not a number");
        assertRejected("127.0.0.1:123456", "port '123456' is not a number");
        assertRejected("127.0.0.1:0", "port 0 is out of range");
        assertRejected("127.0.0.1:65536", "port 65536 is out of range");
        assertRejected("[::1", "missing ']'");
        assertRejected("[::1]53", "expected :PORT after ']'");
        assertRejected("[::1]:", "port '' is not a number");
        assertRejected("[::1]:99999", "port 99999 is out of range");
        assertRejected("300.1.1.1", "'300.1.1.1' is not an IP address");
        assertRejected("[]:53", "give an IP address");
        assertRejected("2001:db8::zz", "is not an IP address");
    }

    private static void assertRejected(String input, String part) {
        assertThatThrownBy(() -> Upstreams.parse(input)).as("input %s", input)
                .isInstanceOf(PolicyException.class).hasMessageContaining(part);
    }
}
