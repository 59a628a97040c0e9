package dev.cordon.dns;

import dev.cordon.policy.Cidr;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrivateAnswersTest {
    static boolean priv(String ip) {
        return PrivateAnswers.isPrivate(Cidr.parse(ip).address());
    }

    @Test
    void privateLoopbackLinkLocalCgnatAndUnspecifiedAddresses() {
        for (String ip : new String[] {"127.0.0.1", "127.255.0.2", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1",
                "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3", "255.255.255.255",
                "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "64:ff9b::7f00:1", "2002:c0a8:101::1",
                "::7f00:1"}) {
            assertThat(priv(ip)).as(ip).isTrue();
        }
        byte[] mapped = new byte[16];
        mapped[10] = mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 169;
        mapped[13] = (byte) 254;
        mapped[14] = (byte) 169;
        mapped[15] = (byte) 254;
        assertThat(PrivateAnswers.isPrivate(mapped)).as("::ffff:169.254.169.254").isTrue();
    }

    @Test
    void publicAddresses() {
        for (String ip : new String[] {"8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "192.0.2.1", "1.1.1.1",
                "2001:4860:4860::8888", "2606:4700::1", "64:ff9b::808:808", "2002:808:808::1"}) {
            assertThat(priv(ip)).as(ip).isFalse();
        }
    }

    @Test
    void privateNames() {
        for (String n : new String[] {"localhost.", "a.localhost", "db.internal.", "printer.home.arpa", "box.local", "x.lan",
                "1.0.0.127.in-addr.arpa."}) {
            assertThat(PrivateAnswers.privateName(n)).as(n).isTrue();
        }
        for (String n : new String[] {"example.com.", "internal.example.com", "localhost.example.com", "evil-local", "notlan."}) {
            assertThat(PrivateAnswers.privateName(n)).as(n).isFalse();
        }
    }
}
