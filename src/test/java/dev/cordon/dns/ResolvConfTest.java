package dev.cordon.dns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResolvConfTest {
    private static InetSocketAddress ns(String ip) {
        return new InetSocketAddress(InetAddress.ofLiteral(ip), 53);
    }

    @Test
    void readsNameserversInOrderOnPort53() {
        assertThat(ResolvConf.parse(List.of(
                "# generated",
                "search example.com corp.example",
                "nameserver 10.0.0.1",
                "options ndots:2 timeout:1",
                "nameserver 2001:db8::53",
                "nameserver 10.0.0.2")))
                .containsExactly(ns("10.0.0.1"), ns("2001:db8::53"), ns("10.0.0.2"));
    }

    @Test
    void toleratesWhitespaceTabsAndTrailingText() {
        assertThat(ResolvConf.parse(List.of("   nameserver\t10.0.0.1   ", "nameserver 10.0.0.2 # primary")))
                .containsExactly(ns("10.0.0.1"), ns("10.0.0.2"));
    }

    @Test
    void dropsTheZoneOfALinkLocalAddress() {
        assertThat(ResolvConf.parse(List.of("nameserver fe80::1%eth0"))).containsExactly(ns("fe80::1"));
    }

    @Test
    void skipsCommentsNamesAndBrokenLines() {
        assertThat(ResolvConf.parse(List.of(
                "# nameserver 1.1.1.1",
                "; nameserver 8.8.8.8",
                "nameserver",
                "nameserver    ",
                "nameserver dns.google",
                "nameserver 300.1.1.1",
                "domain example.com",
                ""))).isEmpty();
    }

    @Test
    void aKeywordThatOnlyStartsWithNameserverIsNotANameserver() {
        // glibc's resolver requires whitespace after the keyword
        assertThat(ResolvConf.parse(List.of("nameservers 10.0.0.9", "nameserver1 10.0.0.8", "nameserver 10.0.0.1")))
                .containsExactly(ns("10.0.0.1"));
    }

    @Test
    void readsAFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("resolv.conf");
        Files.writeString(f, "nameserver 127.0.0.53\noptions edns0\n");
        assertThat(ResolvConf.nameservers(f)).containsExactly(ns("127.0.0.53"));
        assertThatThrownBy(() -> ResolvConf.nameservers(dir.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
    }
}
