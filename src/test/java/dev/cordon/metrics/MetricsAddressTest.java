package dev.cordon.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsAddressTest {
    @Test
    void addressesAndPorts() {
        assertThat(MetricsAddress.parse("127.0.0.1:9464").text()).isEqualTo("127.0.0.1:9464");
        assertThat(MetricsAddress.parse(" [::1]:9464 ").text()).isEqualTo("[::1]:9464");
        assertThat(MetricsAddress.parse("localhost:0").text()).as("never a lookup; port 0 is any free port").isEqualTo("127.0.0.1:0");
        assertThat(MetricsAddress.parse("127.0.0.7:65535").loopback()).isTrue();
        assertThat(MetricsAddress.parse("[::ffff:127.0.0.1]:9464").loopback()).isTrue();
        assertThat(MetricsAddress.parse("0.0.0.0:9464").loopback()).isFalse();
        assertThat(MetricsAddress.parse("[::]:9464").text()).isEqualTo("[::]:9464");
    }

    @Test
    void badValuesSayWhatIsWrong() {
        bad("9464", "give an address and a port, e.g. 127.0.0.1:9464");
        bad(":9464", "give the address to listen on");
        bad("127.0.0.1:", "port '' is not a number");
        bad("127.0.0.1:http", "port 'http' is not a number");
        bad("127.0.0.1:65536", "port 65536 is out of range");
        bad("::1:9464", "an IPv6 address goes in brackets, e.g. [::1]:9464");
        bad("[::1:9464", "an IPv6 address goes in brackets");
        bad("metrics.example.com:9464", "give an IP address or localhost, not a name");
        bad("127.0.0.256:9464", "'127.0.0.256' is not an IP address");
        bad("", "give an address and a port");
    }

    private static void bad(String value, String message) {
        assertThatThrownBy(() -> MetricsAddress.parse(value)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bad --metrics-listen '" + value + "': ").hasMessageContaining(message);
    }

    @Test
    void onlyLoopbackUnlessRemoteIsAllowed() {
        assertThat(MetricsAddress.parse("127.0.0.1:9464").requireAllowed(false).text()).isEqualTo("127.0.0.1:9464");
        assertThat(MetricsAddress.parse("[::1]:9464").requireAllowed(false).loopback()).isTrue();
        for (String remote : new String[] {"0.0.0.0:9464", "[::]:9464", "192.0.2.7:9464", "[2001:db8::7]:9464"}) {
            assertThatThrownBy(() -> MetricsAddress.parse(remote).requireAllowed(false))
                    .hasMessageContaining("--metrics-listen " + remote + " would serve the metrics to the network")
                    .hasMessageContaining("or add --metrics-allow-remote");
            assertThat(MetricsAddress.parse(remote).requireAllowed(true).text()).isEqualTo(remote);
        }
    }
}
