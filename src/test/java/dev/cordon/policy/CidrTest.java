package dev.cordon.policy;

import dev.cordon.testing.NoDnsResolverProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrTest {
    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    private static byte[] v6(int... groups) {
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[2 * i] = (byte) (groups[i] >>> 8);
            out[2 * i + 1] = (byte) groups[i];
        }
        return out;
    }

    private static byte[] mapped(int a, int b, int c, int d) {
        return bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d);
    }

    // --- parsing

    @Test
    void parsesV4WithPrefix() {
        Cidr c = Cidr.parse("10.0.0.0/8");
        assertThat(c.address()).containsExactly(bytes(10, 0, 0, 0));
        assertThat(c.prefixLength()).isEqualTo(8);
        assertThat(c.isV4()).isTrue();
        assertThat(c).hasToString("10.0.0.0/8");
    }

    @Test
    void bareV4IsAHostPrefix() {
        Cidr c = Cidr.parse("192.0.2.7");
        assertThat(c.address()).containsExactly(bytes(192, 0, 2, 7));
        assertThat(c.prefixLength()).isEqualTo(32);
        assertThat(c).hasToString("192.0.2.7/32");
    }

    @Test
    void zeroPrefixMatchesEverything() {
        Cidr c = Cidr.parse("0.0.0.0/0");
        assertThat(c.prefixLength()).isZero();
        assertThat(c.contains(bytes(255, 255, 255, 255))).isTrue();
        assertThat(c.contains(bytes(0, 0, 0, 0))).isTrue();
    }

    @Test
    void surroundingWhitespaceIsIgnored() {
        assertThat(Cidr.parse("  10.0.0.0/8\t")).isEqualTo(Cidr.parse("10.0.0.0/8"));
    }

    @Test
    void parsesV6WithPrefix() {
        Cidr c = Cidr.parse("2001:db8::/32");
        assertThat(c.address()).containsExactly(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0));
        assertThat(c.prefixLength()).isEqualTo(32);
        assertThat(c.isV4()).isFalse();
    }

    @Test
    void bareV6IsAHostPrefix() {
        Cidr c = Cidr.parse("2001:db8::1");
        assertThat(c.address()).containsExactly(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
        assertThat(c.prefixLength()).isEqualTo(128);
    }

    @Test
    void bracketedV6IsAccepted() {
        Cidr loop = Cidr.parse("[::1]");
        assertThat(loop.address()).containsExactly(v6(0, 0, 0, 0, 0, 0, 0, 1));
        assertThat(loop.prefixLength()).isEqualTo(128);
        assertThat(Cidr.parse("[2001:db8::]/32")).isEqualTo(Cidr.parse("2001:db8::/32"));
    }

    @Test
    void v4MappedPrefixIsNormalisedToV4() {
        Cidr c = Cidr.parse("::ffff:10.0.0.0/104");
        assertThat(c.isV4()).isTrue();
        assertThat(c.address()).containsExactly(bytes(10, 0, 0, 0));
        assertThat(c.prefixLength()).isEqualTo(8);
        assertThat(c).isEqualTo(Cidr.parse("10.0.0.0/8"));
    }

    @Test
    void bareV4MappedAddressIsAV4Host() {
        Cidr c = Cidr.parse("::ffff:192.0.2.7");
        assertThat(c).isEqualTo(Cidr.parse("192.0.2.7/32"));
        // the hex spelling of the same address too
        assertThat(Cidr.parse("::ffff:c000:207")).isEqualTo(Cidr.parse("192.0.2.7"));
        // the whole mapped space is the whole v4 space
        assertThat(Cidr.parse("::ffff:0:0/96")).isEqualTo(Cidr.parse("0.0.0.0/0"));
    }

    // --- text form (RFC 5952 for IPv6)

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            2001:db8::1              | 2001:db8::1
            2001:0DB8:0000::0001     | 2001:db8::1
            ::1                      | ::1
            ::                       | ::
            1::                      | 1::
            fe80::abcd:0:0:1         | fe80::abcd:0:0:1
            2001:db8:0:1:1:1:1:1     | 2001:db8:0:1:1:1:1:1
            2001:0:0:1:0:0:0:1       | 2001:0:0:1::1
            2001:db8:0:0:1:0:0:1     | 2001:db8::1:0:0:1
            0:0:1:0:0:0:0:0          | 0:0:1::
            1:2:3:4:5:6:7:8          | 1:2:3:4:5:6:7:8
            """)
    void v6IsFormattedTheRfc5952Way(String literal, String expected) {
        byte[] a = Cidr.parse(literal).address();
        assertThat(Cidr.format(a)).isEqualTo(expected);
        assertThat(Cidr.parse(literal)).hasToString(expected + "/128");
    }

    @Test
    void formatsV4AndMappedV6() {
        assertThat(Cidr.format(bytes(192, 0, 2, 255))).isEqualTo("192.0.2.255");
        assertThat(Cidr.format(bytes(0, 0, 0, 0))).isEqualTo("0.0.0.0");
        assertThat(Cidr.format(mapped(192, 0, 2, 1))).isEqualTo("::ffff:192.0.2.1");
        assertThat(Cidr.parse("2001:db8::/32")).hasToString("2001:db8::/32");
        assertThat(Cidr.parse("::/0")).hasToString("::/0");
    }

    @Test
    void v6TextRoundTripsAndIsCanonical() {
        java.util.Random rnd = new java.util.Random(5952);
        for (int n = 0; n < 2000; n++) {
            int[] g = new int[8];
            for (int i = 0; i < 8; i++) g[i] = rnd.nextInt(3) == 0 ? rnd.nextInt(0x10000) : 0; // many zero runs
            byte[] a = v6(g);
            if (Cidr.isV4Mapped(a)) continue;
            String text = Cidr.format(a);
            assertThat(Cidr.parse(text).address()).as(text).containsExactly(a);
            assertThat(text).as(text).doesNotContain(":::").matches("[0-9a-f:]+");
            assertThat(text.indexOf("::")).as(text).isEqualTo(text.lastIndexOf("::"));
            for (String group : text.split(":")) assertThat(group).as(text).hasSizeLessThanOrEqualTo(4);
            for (String group : text.split(":")) if (group.length() > 1) assertThat(group).as(text).doesNotStartWith("0");
        }
    }

    // --- errors: always a PolicyException naming the input, never a lookup

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\t"})
    void emptyIsAnError(String text) {
        assertThatThrownBy(() -> Cidr.parse(text))
                .isInstanceOf(PolicyException.class)
                .hasMessage("empty CIDR");
    }

    @ParameterizedTest
    @ValueSource(strings = {"github.com", "github.com/24", "localhost", "api.example.org/32", "printer"})
    void namesAreErrorsAndNeverResolved(String name) {
        int before = NoDnsResolverProvider.lookups().size();
        assertThatThrownBy(() -> Cidr.parse(name))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("bad CIDR '" + name + "'")
                .hasMessageContaining("is not an IP");
        assertThat(NoDnsResolverProvider.lookups()).as("DNS lookups made while parsing %s", name)
                .hasSize(before);
    }

    @Test
    void noDnsGuardIsActive() {
        // proves the guard above can see a lookup: a real resolution attempt is recorded (and refused)
        assertThatThrownBy(() -> java.net.InetAddress.getByName("cordon-guard-check.invalid"))
                .isInstanceOf(java.net.UnknownHostException.class);
        assertThat(NoDnsResolverProvider.lookups()).contains("cordon-guard-check.invalid");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            256.0.0.1        | octet 256 is larger than 255
            10.0.0.999/8     | octet 999 is larger than 255
            010.0.0.1        | '010.0.0.1' is not an IPv4 address
            10.00.0.0/16     | '10.00.0.0' is not an IPv4 address
            1.2.3.4.5        | '1.2.3.4.5' is not an IP address
            1.2.3            | '1.2.3' is not an IP address
            1..3.4           | '1..3.4' is not an IPv4 address
            1.2.3.-4         | '1.2.3.-4' is not an IPv4 address
            1.2.3.0x4        | '1.2.3.0x4' is not an IPv4 address
            10.0.0.0/33      | prefix length 33 is longer than 32
            2001:db8::/129   | prefix length 129 is longer than 128
            ::ffff:1.2.3.4/129 | prefix length 129 is longer than 128
            10.0.0.0/x       | prefix length 'x' is not a number
            10.0.0.0/        | prefix length '' is not a number
            10.0.0.0/-1      | prefix length '-1' is not a number
            10.0.0.0/+8      | prefix length '+8' is not a number
            10.0.0.0/0008    | prefix length '0008' is not a number
            10.0.0.0/8/8     | prefix length '8/8' is not a number
            2001:db8::g      | '2001:db8::g' is not an IPv6 address
            2001:db8:::1     | '2001:db8:::1' is not an IPv6 address
            fe80::1%eth0     | zone ids ('%...') are not supported
            fe80::1%1/128    | zone ids ('%...') are not supported
            [::1             | '[::1' is not an IPv6 address
            10.0.0.1/8       | host bits are set; did you mean 10.0.0.0/8?
            192.168.1.1/24   | host bits are set; did you mean 192.168.1.0/24?
            10.0.0.129/25    | host bits are set; did you mean 10.0.0.128/25?
            ::ffff:10.0.0.1/104 | host bits are set; did you mean 10.0.0.0/8?
            2001:db8::1/32   | host bits are set; did you mean 2001:db8::/32?
            fe80::1:0:0:1/64 | host bits are set; did you mean fe80::/64?
            """)
    void badInputIsAnErrorWithAClearMessage(String text, String expected) {
        assertThatThrownBy(() -> Cidr.parse(text))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("bad CIDR '" + text + "': ")
                .hasMessageContaining(expected)
                .hasMessageNotContaining("\n");
    }

    @Test
    void constructorRejectsImpossibleValues() {
        assertThatThrownBy(() -> new Cidr(new byte[5], 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Cidr(new byte[4], 33)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Cidr(new byte[16], -1)).isInstanceOf(IllegalArgumentException.class);
    }

    // --- contains

    @Test
    void containsAddressesInsideThePrefixOnly() {
        Cidr c = Cidr.parse("10.0.0.0/8");
        assertThat(c.contains(bytes(10, 0, 0, 0))).isTrue();
        assertThat(c.contains(bytes(10, 255, 255, 255))).isTrue();
        assertThat(c.contains(bytes(11, 0, 0, 0))).isFalse();
        assertThat(c.contains(bytes(9, 255, 255, 255))).isFalse();

        Cidr odd = Cidr.parse("192.0.2.64/26"); // .64 - .127
        assertThat(odd.contains(bytes(192, 0, 2, 63))).isFalse();
        assertThat(odd.contains(bytes(192, 0, 2, 64))).isTrue();
        assertThat(odd.contains(bytes(192, 0, 2, 127))).isTrue();
        assertThat(odd.contains(bytes(192, 0, 2, 128))).isFalse();
    }

    @Test
    void hostPrefixContainsOnlyItself() {
        Cidr c = Cidr.parse("127.0.0.2");
        assertThat(c.contains(bytes(127, 0, 0, 2))).isTrue();
        assertThat(c.contains(bytes(127, 0, 0, 3))).isFalse();
    }

    @Test
    void containsV6() {
        Cidr c = Cidr.parse("2001:db8::/32");
        assertThat(c.contains(v6(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1))).isTrue();
        assertThat(c.contains(v6(0x2001, 0xdb9, 0, 0, 0, 0, 0, 1))).isFalse();
    }

    @Test
    void v4PrefixContainsMappedV6Addresses() {
        Cidr c = Cidr.parse("10.0.0.0/8");
        assertThat(c.contains(mapped(10, 1, 2, 3))).isTrue();
        assertThat(c.contains(mapped(11, 1, 2, 3))).isFalse();
    }

    @Test
    void familiesNeverMix() {
        assertThat(Cidr.parse("0.0.0.0/0").contains(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))).isFalse();
        assertThat(Cidr.parse("::/0").contains(bytes(10, 0, 0, 1))).isFalse();
        // a mapped destination is judged by the v4 rules, as in the kernel: ::/0 does not cover it
        assertThat(Cidr.parse("::/0").contains(mapped(10, 0, 0, 1))).isFalse();
        assertThat(Cidr.parse("::/0").contains(v6(0, 0, 0, 0, 0, 0, 0, 1))).isTrue();
    }

    // --- value semantics

    @Test
    void equalsAndHashCodeFollowAddressAndPrefix() {
        Cidr a = Cidr.parse("10.0.0.0/8");
        Cidr b = new Cidr(bytes(10, 0, 0, 0), 8);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(Cidr.parse("10.0.0.0/9"));
        assertThat(a).isNotEqualTo(Cidr.parse("11.0.0.0/8"));
        assertThat(a).isNotEqualTo("10.0.0.0/8");
        assertThat(Cidr.parse("::1")).isEqualTo(Cidr.parse("[0:0:0:0:0:0:0:1]/128"))
                .hasSameHashCodeAs(Cidr.parse("0::1"));
        // same bits, different family: not equal
        assertThat(new Cidr(new byte[4], 0)).isNotEqualTo(new Cidr(new byte[16], 0));
    }

    @Test
    void addressIsDefensivelyCopied() {
        byte[] raw = bytes(10, 0, 0, 0);
        Cidr c = new Cidr(raw, 8);
        raw[0] = 99;
        c.address()[0] = 42;
        assertThat(c.address()).containsExactly(bytes(10, 0, 0, 0));
        assertThat(c).isEqualTo(Cidr.parse("10.0.0.0/8"));
    }
}
