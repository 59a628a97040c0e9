package dev.cordon.kernel;

import dev.cordon.events.ExecEvent;
import dev.cordon.events.Executable;
import dev.cordon.events.Hook;
import dev.cordon.events.KernelEvent;
import dev.cordon.events.NetEvent;
import dev.cordon.events.Verdict;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Ring buffer records written out byte by byte from bpf/cordon.h, little-endian (x86-64, arm64).
 * Deliberately NOT built from Abi's offsets: if Abi and the header disagreed, a fixture built
 * from Abi would agree with the decoder and prove nothing.
 */
class EventDecoderTest {
    @BeforeAll
    static void littleEndianHost() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            fail("these fixtures are little-endian ring buffer records; this host is " + ByteOrder.nativeOrder());
        }
    }

    /** Concatenates hex fields ("01 00 00 00"); spaces are ignored. */
    private static byte[] rec(String... hexFields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String f : hexFields) out.writeBytes(HexFormat.of().parseHex(f.replace(" ", "")));
        return out.toByteArray();
    }

    private static String zeros(int n) {
        return "00".repeat(n);
    }

    private static String ascii(String s) {
        return HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    // struct cordon_event_header, 48 bytes
    private static final String[] HDR_CONNECT_CURL = {
            "01 00 00 00",                      //  0 kind      = CORDON_EVENT_CONNECT (1)
            "92 10 00 00",                      //  4 tgid      = 4242
            "93 10 00 00",                      //  8 pid       = 4243 (thread)
            "00 00 00 00",                      // 12 _pad
            "89 67 45 23 01 00 00 00",          // 16 ts_ns     = 0x123456789
            "08 07 06 05 04 03 02 81",          // 24 cgroup_id = 0x8102030405060708 (high bit set: unsigned)
            ascii("curl") + zeros(12),          // 32 comm[16]  = "curl"
    };

    /** v4 blocked connect: curl -> 127.0.0.2:8080/tcp, rule 0. */
    static byte[] v4BlockedConnect() {
        byte[] r = rec(
                HDR_CONNECT_CURL[0], HDR_CONNECT_CURL[1], HDR_CONNECT_CURL[2], HDR_CONNECT_CURL[3],
                HDR_CONNECT_CURL[4], HDR_CONNECT_CURL[5], HDR_CONNECT_CURL[6],
                "01 00 00 00",                  // 48 verdict   = CORDON_VERDICT_BLOCKED (1)
                "00 00 00 00",                  // 52 rule_id   = 0
                "02 00",                        // 56 family    = AF_INET (2)
                "06 00",                        // 58 protocol  = IPPROTO_TCP (6)
                "90 1f",                        // 60 port      = 8080 (host order)
                "00",                           // 62 mapped_v4 = 0
                "00",                           // 63 _pad
                "7f 00 00 02" + zeros(12),      // 64 addr[16]  = 127.0.0.2
                "2a 00 00 00 00 00 00 80");     // 80 cookie    = 0x800000000000002a
        assertThat(r).hasSize(88);
        return r;
    }

    /** struct cordon_name_event: curl's ClientHello to 127.0.0.41:8443 named blocked.test, blocked by rule 3 of generation 1. */
    static byte[] tlsNameEvent(String flags, String source) {
        byte[] r = rec(
                "09 00 00 00", HDR_CONNECT_CURL[1], HDR_CONNECT_CURL[2], HDR_CONNECT_CURL[3],
                HDR_CONNECT_CURL[4], HDR_CONNECT_CURL[5], HDR_CONNECT_CURL[6], //  0 header, kind CORDON_EVENT_NAME (9)
                "01 00 00 00",                  // 48 verdict   = CORDON_VERDICT_BLOCKED
                "03 00 00 40",                  // 52 rule_id   = 3 | 1 << 30
                "02 00",                        // 56 family    = AF_INET
                "fb 20",                        // 58 port      = 8443
                "0c 00",                        // 60 name_len  = 12
                source,                         // 62 source
                flags,                          // 63 flags
                "00",                           // 64 mapped_v4
                zeros(7),                       // 65 _pad
                "7f 00 00 29" + zeros(12),      // 72 addr      = 127.0.0.41
                ascii("blocked.test") + "2e2e" + zeros(242)); // 88 name[256], bytes past name_len ignored
        assertThat(r).hasSize(344);
        return r;
    }

    @Test
    void aNameEventDecodesAsATlsOrHttpAttemptCarryingTheName() {
        NetEvent e = net(EventDecoder.decode(tlsNameEvent("00", "01")));
        assertThat(e.hook()).isEqualTo(Hook.TLS);
        assertThat(e.verdict()).isEqualTo(Verdict.BLOCKED);
        assertThat(e.ruleId()).isEqualTo(3 | 1 << 30);
        assertThat(e.ip()).isEqualTo("127.0.0.41");
        assertThat(e.port()).isEqualTo(8443);
        assertThat(e.protocolName()).isEqualTo("tcp");
        assertThat(e.process().pid()).isEqualTo(4242);
        assertThat(e.firstBytes().name()).isEqualTo("blocked.test");
        assertThat(e.firstBytes().ech()).isFalse();
        assertThat(net(EventDecoder.decode(tlsNameEvent("01", "01"))).firstBytes().ech()).isTrue();
        assertThat(net(EventDecoder.decode(tlsNameEvent("00", "02"))).hook()).isEqualTo(Hook.HTTP);
        assertThat(EventDecoder.decode(tlsNameEvent("00", "07"))).as("an unknown source").isEmpty();
        assertThat(EventDecoder.decode(Arrays.copyOf(tlsNameEvent("00", "01"), 343))).as("a short record").isEmpty();
    }

    @Test
    void anUnwatchedConnectionIsAConnectOfNoOne() {
        byte[] r = tlsNameEvent("00", "00");
        System.arraycopy(HexFormat.of().parseHex("0000000000000000"), 0, r, 4, 8); // tgid, pid 0: seen in softirq
        System.arraycopy(HexFormat.of().parseHex("02000000f7ffffff"), 0, r, 48, 8); // audited, CORDON_RULE_UNWATCHED
        NetEvent e = net(EventDecoder.decode(r));
        assertThat(e.hook()).isEqualTo(Hook.CONNECT);
        assertThat(e.verdict()).isEqualTo(Verdict.AUDITED);
        assertThat(e.ruleId()).isEqualTo(Abi.RULE_UNWATCHED);
        assertThat(e.firstBytes()).isNull();
        assertThat(e.process().comm()).isEqualTo("?");
    }

    @Test
    void v4BlockedConnectDecodes() {
        NetEvent e = net(EventDecoder.decode(v4BlockedConnect()));
        assertThat(e.hook()).isEqualTo(Hook.CONNECT);
        assertThat(e.verdict()).isEqualTo(Verdict.BLOCKED);
        assertThat(e.ruleId()).isZero();
        assertThat(e.ipv6Socket()).isFalse();
        assertThat(e.mappedV4()).isFalse();
        assertThat(e.protocol()).isEqualTo(6);
        assertThat(e.protocolName()).isEqualTo("tcp");
        assertThat(e.port()).isEqualTo(8080);
        assertThat(e.address()).containsExactly(127, 0, 0, 2);
        assertThat(e.ip()).isEqualTo("127.0.0.2");
        assertThat(e.monotonicNs()).isEqualTo(0x123456789L);
        assertThat(e.process().pid()).isEqualTo(4242);
        assertThat(e.process().tid()).isEqualTo(4243);
        assertThat(e.process().comm()).isEqualTo("curl");
        assertThat(e.process().cgroupId()).isEqualTo(0x8102030405060708L);
        assertThat(e.cookie()).isEqualTo(0x800000000000002aL);
    }

    @Test
    void anOutageConnectCarriesItsVerdictRuleAndCookie() {
        byte[] r = v4BlockedConnect();
        System.arraycopy(HexFormat.of().parseHex("03000000fbffffff"), 0, r, 48, 8); // OUTAGE, RULE_OUTAGE_DROPPED
        NetEvent e = net(EventDecoder.decode(r));
        assertThat(e.verdict()).isEqualTo(Verdict.OUTAGE);
        assertThat(e.verdict().violation()).isFalse();
        assertThat(e.ruleId()).isEqualTo(Abi.RULE_OUTAGE_DROPPED);
        assertThat(e.cookie()).isEqualTo(0x800000000000002aL);
    }

    @Test
    void exitRecordsDecodeStatusAndSignal() {
        byte[] exited = rec("05 00 00 00", HDR_CONNECT_CURL[1], HDR_CONNECT_CURL[2], HDR_CONNECT_CURL[3],
                HDR_CONNECT_CURL[4], HDR_CONNECT_CURL[5], HDR_CONNECT_CURL[6],
                "01 00 00 00",                  // 48 ppid      = 1
                "00 07 00 00");                 // 52 exit_code = 7 << 8 (exit(7))
        assertThat(exited).hasSize((int) Abi.EXIT_EVENT.byteSize());
        var e = (dev.cordon.events.ExitEvent) EventDecoder.decode(exited).orElseThrow();
        assertThat(e.process().pid()).isEqualTo(4242);
        assertThat(e.ppid()).isEqualTo(1);
        assertThat(e.signal()).isZero();
        assertThat(e.status()).isEqualTo(7);

        System.arraycopy(HexFormat.of().parseHex("09000000"), 0, exited, 52, 4); // killed by SIGKILL
        var killed = (dev.cordon.events.ExitEvent) EventDecoder.decode(exited).orElseThrow();
        assertThat(killed.signal()).isEqualTo(9);
        assertThat(EventDecoder.decode(Arrays.copyOf(exited, exited.length - 1))).isEmpty();
    }

    @Test
    void outageEndRecordsDecodeCookieAndStart() {
        byte[] r = rec("06 00 00 00", HDR_CONNECT_CURL[1], HDR_CONNECT_CURL[2], HDR_CONNECT_CURL[3],
                HDR_CONNECT_CURL[4], HDR_CONNECT_CURL[5], HDR_CONNECT_CURL[6],
                "2a 00 00 00 00 00 00 80",      // 48 cookie
                "00 ca 9a 3b 00 00 00 00");     // 56 start_ns  = 1_000_000_000
        assertThat(r).hasSize((int) Abi.OUTAGE_END_EVENT.byteSize());
        var e = (dev.cordon.events.OutageEndEvent) EventDecoder.decode(r).orElseThrow();
        assertThat(e.cookie()).isEqualTo(0x800000000000002aL);
        assertThat(e.startNs()).isEqualTo(1_000_000_000L);
        assertThat(e.monotonicNs()).isEqualTo(0x123456789L);
    }

    @Test
    void v6AuditedSendmsg() {
        byte[] r = rec(
                "02 00 00 00",                      //  0 kind      = CORDON_EVENT_SENDMSG (2)
                "e8 03 00 00",                      //  4 tgid      = 1000
                "e9 03 00 00",                      //  8 pid       = 1001
                "00 00 00 00",                      // 12 _pad
                "00 ca 9a 3b 00 00 00 00",          // 16 ts_ns     = 1_000_000_000
                "2a 00 00 00 00 00 00 00",          // 24 cgroup_id = 42
                ascii("quic-client") + zeros(5),    // 32 comm[16]  = "quic-client"
                "02 00 00 00",                      // 48 verdict   = CORDON_VERDICT_AUDITED (2)
                "ff ff ff ff",                      // 52 rule_id   = CORDON_RULE_DEFAULT
                "0a 00",                            // 56 family    = AF_INET6 (10)
                "11 00",                            // 58 protocol  = IPPROTO_UDP (17)
                "e8 fd",                            // 60 port      = 65000 (unsigned 16 bit)
                "00",                               // 62 mapped_v4 = 0
                "00",                               // 63 _pad
                "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01", // 64 addr = 2001:db8::1
                zeros(8));                          // 80 cookie
        assertThat(r).hasSize(88);
        NetEvent e = net(EventDecoder.decode(r));
        assertThat(e.hook()).isEqualTo(Hook.SENDMSG);
        assertThat(e.verdict()).isEqualTo(Verdict.AUDITED);
        assertThat(e.ruleId()).isEqualTo(Abi.RULE_DEFAULT).isEqualTo(-1);
        assertThat(e.ipv6Socket()).isTrue();
        assertThat(e.mappedV4()).isFalse();
        assertThat(e.protocolName()).isEqualTo("udp");
        assertThat(e.port()).isEqualTo(65000);
        assertThat(e.address()).hasSize(16).containsExactly(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
        assertThat(e.ip()).isEqualTo("2001:db8::1");
        assertThat(e.monotonicNs()).isEqualTo(1_000_000_000L);
        assertThat(e.process().pid()).isEqualTo(1000);
        assertThat(e.process().tid()).isEqualTo(1001);
        assertThat(e.process().comm()).isEqualTo("quic-client");
        assertThat(e.process().cgroupId()).isEqualTo(42L);
    }

    @Test
    void mappedV4OnAV6Socket() {
        byte[] r = rec(
                "01 00 00 00",                      //  0 kind      = CONNECT
                "f4 01 00 00",                      //  4 tgid      = 500
                "f4 01 00 00",                      //  8 pid       = 500
                "00 00 00 00",                      // 12 _pad
                "01 00 00 00 00 00 00 00",          // 16 ts_ns     = 1
                "09 00 00 00 00 00 00 00",          // 24 cgroup_id = 9
                ascii("python3") + zeros(9),        // 32 comm      = "python3"
                "00 00 00 00",                      // 48 verdict   = CORDON_VERDICT_ALLOWED (0)
                "03 00 00 00",                      // 52 rule_id   = 3
                "0a 00",                            // 56 family    = AF_INET6 (10): a v6 socket
                "06 00",                            // 58 protocol  = TCP
                "50 c3",                            // 60 port      = 50000
                "01",                               // 62 mapped_v4 = 1: aimed at ::ffff:10.1.2.3
                "00",                               // 63 _pad
                "0a 01 02 03" + zeros(12),          // 64 addr      = 10.1.2.3 in the first 4 bytes
                zeros(8));                          // 80 cookie
        assertThat(r).hasSize(88);
        NetEvent e = net(EventDecoder.decode(r));
        assertThat(e.verdict()).isEqualTo(Verdict.ALLOWED);
        assertThat(e.ruleId()).isEqualTo(3);
        assertThat(e.ipv6Socket()).isTrue();
        assertThat(e.mappedV4()).isTrue();
        assertThat(e.address()).containsExactly(10, 1, 2, 3);
        assertThat(e.ip()).isEqualTo("10.1.2.3");
        assertThat(e.port()).isEqualTo(50000);
    }

    @Test
    void execWithArgv() {
        String args = ascii("sh") + "00" + ascii("-c") + "00" + ascii("echo hi") + "00"; // 3 + 3 + 8 = 14 bytes
        byte[] r = rec(
                "03 00 00 00",                      //  0 kind      = CORDON_EVENT_EXEC (3)
                "4d 00 00 00",                      //  4 tgid      = 77
                "4d 00 00 00",                      //  8 pid       = 77
                "00 00 00 00",                      // 12 _pad
                "10 00 00 00 00 00 00 00",          // 16 ts_ns     = 16
                "05 00 00 00 00 00 00 00",          // 24 cgroup_id = 5
                ascii("sh") + zeros(14),            // 32 comm      = "sh"
                "68 10 00 00",                      // 48 ppid      = 4200
                "0e 00 00 00",                      // 52 args_len  = 14
                args + zeros(512 - 14),             // 56 args[512]
                "07 00 00 00",                      // 568 exe_len    = 7
                "00 00 00 00",                      // 572 exe_flags  = 0
                "00 00 00 00",                      // 576 script_len = 0
                "00 00 00 00",                      // 580 _pad
                ascii("/bin/sh") + zeros(249),      // 584 exe[256]
                zeros(256));                        // 840 script[256]
        assertThat(r).hasSize(1096);
        ExecEvent e = exec(EventDecoder.decode(r));
        assertThat(e.argv()).containsExactly("sh", "-c", "echo hi");
        assertThat(e.truncated()).isFalse();
        assertThat(e.ppid()).isEqualTo(4200);
        assertThat(e.process().pid()).isEqualTo(77);
        assertThat(e.process().comm()).isEqualTo("sh");
        assertThat(e.process().cgroupId()).isEqualTo(5L);
        assertThat(e.monotonicNs()).isEqualTo(16L);
        assertThat(e.exe()).isEqualTo(new Executable("/bin/sh", Executable.Source.EXEC, false));
        assertThat(e.script()).isNull();
    }

    /** An exec record with the given args_len field (LE hex) and args bytes (hex, padded to 512), and no executable. */
    private static byte[] execRecord(String argsLenLe, String argsHex) {
        return execRecord(argsLenLe, argsHex, "00 00 00 00", "04 00 00 00", "", "00 00 00 00", ""); // exe_flags = UNREAD
    }

    /**
     * An exec record: args_len, exe_len, exe_flags and script_len as LE hex fields, args as hex
     * (padded to 512), exe and script as text (padded to 256).
     */
    private static byte[] execRecord(String argsLenLe, String argsHex, String exeLenLe, String exeFlagsLe, String exe,
                                     String scriptLenLe, String script) {
        byte[] r = rec(
                "03 00 00 00",                      //  0 kind      = EXEC
                "4e 00 00 00",                      //  4 tgid      = 78
                "4e 00 00 00",                      //  8 pid       = 78
                "00 00 00 00",                      // 12 _pad
                zeros(8),                           // 16 ts_ns
                zeros(8),                           // 24 cgroup_id
                ascii("x") + zeros(15),             // 32 comm      = "x"
                "01 00 00 00",                      // 48 ppid      = 1
                argsLenLe,                          // 52 args_len
                argsHex + zeros(512 - argsHex.replace(" ", "").length() / 2), // 56 args[512]
                exeLenLe,                           // 568 exe_len
                exeFlagsLe,                         // 572 exe_flags
                scriptLenLe,                        // 576 script_len
                "00 00 00 00",                      // 580 _pad
                ascii(exe) + zeros(256 - exe.length()),        // 584 exe[256]
                ascii(script) + zeros(256 - script.length())); // 840 script[256]
        assertThat(r).hasSize(1096);
        return r;
    }

    @Test
    void execNamesTheFileTheKernelRanWhateverArgv0Says() {
        String args = ascii("innocent") + "00" + ascii("-sS") + "00";
        ExecEvent e = exec(EventDecoder.decode(execRecord("0d 00 00 00", args, "0d 00 00 00", "00 00 00 00", "/usr/bin/curl",
                "00 00 00 00", "")));
        assertThat(e.argv()).containsExactly("innocent", "-sS");
        assertThat(e.exe()).isEqualTo(new Executable("/usr/bin/curl", Executable.Source.EXEC, false));
        assertThat(e.exe().shown()).isEqualTo("/usr/bin/curl");
        assertThat(e.script()).isNull();
    }

    @Test
    void aScriptRunByItsInterpreterKeepsThePathExecveWasGiven() {
        String args = ascii("/bin/sh") + "00" + ascii("./deploy.sh") + "00";
        ExecEvent e = exec(EventDecoder.decode(execRecord("14 00 00 00", args, "0d 00 00 00", "00 00 00 00", "/usr/bin/dash",
                "0b 00 00 00", "./deploy.sh")));
        assertThat(e.exe().path()).isEqualTo("/usr/bin/dash");
        assertThat(e.script()).isEqualTo("./deploy.sh");
    }

    @Test
    void aPathTheKernelCutKeepsItsEndAndSaysSo() {
        String tail = "/d40/t";
        ExecEvent e = exec(EventDecoder.decode(execRecord("00 00 00 00", "", "06 00 00 00", "01 00 00 00", tail, "00 00 00 00", "")));
        assertThat(e.exe().truncated()).isTrue();
        assertThat(e.exe().path()).isEqualTo("/d40/t");
        assertThat(e.exe().shown()).isEqualTo("...".concat("/d40/t"));
    }

    @Test
    void aFileWithNoNameLeftReadsAsProcDoes() {
        ExecEvent e = exec(EventDecoder.decode(execRecord("00 00 00 00", "", "0d 00 00 00", "02 00 00 00", "/memfd:hidden",
                "00 00 00 00", "")));
        assertThat(e.exe().path()).isEqualTo("/memfd:hidden (deleted)");
        assertThat(e.exe().truncated()).isFalse();
    }

    @Test
    void anUnreadOrEmptyPathIsNoExecutable() {
        assertThat(exec(EventDecoder.decode(execRecord("00 00 00 00", ""))).exe()).as("UNREAD").isNull();
        assertThat(exec(EventDecoder.decode(execRecord("00 00 00 00", "", "00 00 00 00", "00 00 00 00", "", "00 00 00 00", "")))
                .exe()).as("exe_len 0").isNull();
    }

    @Test
    void lengthsBeyondTheBuffersAreClamped() {
        String full = "/" + "p".repeat(255); // fills exe[256] without a NUL
        ExecEvent e = exec(EventDecoder.decode(execRecord("00 00 00 00", "", "ff ff 00 00", "00 00 00 00", full.substring(0, 256),
                "ff ff ff ff", "")));
        assertThat(e.exe().path()).isEqualTo(full.substring(0, 255)).hasSize(Abi.PATH_LEN - 1);
        assertThat(e.script()).as("script_len -1: nonsense, so none").isNull();
    }

    @Test
    void argvCutOffByTheKernelIsMarkedTruncated() {
        // 300 x 'A', NUL, 211 x 'B' = 512 bytes and no final NUL: the kernel copy stopped mid-argument
        String args = "41".repeat(300) + "00" + "42".repeat(211);
        ExecEvent e = exec(EventDecoder.decode(execRecord("00 02 00 00", args))); // args_len = 512
        assertThat(e.truncated()).isTrue();
        assertThat(e.argv()).containsExactly("A".repeat(300), "B".repeat(211));
    }

    @Test
    void argvExactlyFillingTheBufferWithAFinalNulIsComplete() {
        String args = "41".repeat(300) + "00" + "42".repeat(210) + "00";
        ExecEvent e = exec(EventDecoder.decode(execRecord("00 02 00 00", args)));
        assertThat(e.truncated()).isFalse();
        assertThat(e.argv()).containsExactly("A".repeat(300), "B".repeat(210));
    }

    @Test
    void argsLenBeyondTheBufferIsClamped() {
        String args = "41".repeat(511) + "43";
        ExecEvent big = exec(EventDecoder.decode(execRecord("00 10 00 00", args)));      // args_len = 4096
        assertThat(big.argv()).containsExactly("A".repeat(511) + "C");
        assertThat(big.truncated()).isTrue();
        // args_len = 2^32-1 reads as -1 in Java: nonsense from the kernel, so no argv rather than a crash
        ExecEvent bogus = exec(EventDecoder.decode(execRecord("ff ff ff ff", args)));
        assertThat(bogus.argv()).isEmpty();
    }

    @Test
    void execWithNoArgs() {
        ExecEvent e = exec(EventDecoder.decode(execRecord("00 00 00 00", "")));
        assertThat(e.argv()).isEmpty();
        assertThat(e.truncated()).isFalse();
    }

    @Test
    void commFillingAllSixteenBytesIsKept() {
        byte[] r = v4BlockedConnect();
        byte[] full = "abcdefghijklmnop".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(full, 0, r, 32, 16); // comm at offset 32, no NUL
        assertThat(net(EventDecoder.decode(r)).process().comm()).isEqualTo("abcdefghijklmnop");
    }

    @Test
    void trailingBytesAfterTheRecordAreIgnored() {
        byte[] padded = Arrays.copyOf(v4BlockedConnect(), 88);
        padded[87] = 0x55;
        assertThat(net(EventDecoder.decode(padded)).ip()).isEqualTo("127.0.0.2");
    }

    @Test
    void tooShortRecordsAreRejected() {
        byte[] good = v4BlockedConnect();
        assertThat(EventDecoder.decode(new byte[0])).isEmpty();
        assertThat(EventDecoder.decode(Arrays.copyOf(good, 47))).as("shorter than the header").isEmpty();
        assertThat(EventDecoder.decode(Arrays.copyOf(good, 48))).as("header only").isEmpty();
        assertThat(EventDecoder.decode(Arrays.copyOf(good, 79))).as("net event one byte short").isEmpty();
        byte[] exec = execRecord("00 00 00 00", "");
        assertThat(EventDecoder.decode(Arrays.copyOf(exec, 1095))).as("exec event one byte short").isEmpty();
        assertThat(EventDecoder.decode(Arrays.copyOf(exec, 568))).as("an exec event without the executable").isEmpty();
        assertThat(EventDecoder.decode(Arrays.copyOf(exec, 80))).as("exec kind in a net-sized record").isEmpty();
    }

    /** struct cordon_socket_event (72 bytes), laid out by hand from bpf/cordon.h, little-endian. */
    private static byte[] socketRecord(int verdict, int ruleId, int family, int type, int protocol, int ret) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(72).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 4).putInt(4, 4242).putInt(8, 4243).putLong(16, 1_000L).putLong(24, 77L); // kind SOCKET, tgid, pid, ts, cgroup
        b.put(32, "python3".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.putInt(48, verdict).putInt(52, ruleId).putShort(56, (short) family).putShort(58, (short) type)
                .putInt(60, protocol).putInt(64, ret);
        return b.array();
    }

    @Test
    void aRefusedPacketSocketIsABlockedSocketEventWithItsFamilyTypeAndErrno() {
        // socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) = -EPERM
        NetEvent e = (NetEvent) EventDecoder.decode(socketRecord(1, 0xfffffffa, 17, 3, 0x0300, -1)).orElseThrow();
        assertThat(e.hook()).isEqualTo(dev.cordon.events.Hook.SOCKET);
        assertThat(e.verdict()).isEqualTo(dev.cordon.events.Verdict.BLOCKED);
        assertThat(e.ruleId()).isEqualTo(Abi.RULE_PACKET_SOCKET);
        assertThat(e.process().pid()).isEqualTo(4242);
        assertThat(e.process().comm()).isEqualTo("python3");
        assertThat(e.socket()).isEqualTo(new dev.cordon.events.SocketInfo(17, 3, 0x0300, 1));
        assertThat(e.familyName()).isEqualTo("packet");
        assertThat(e.socket().typeName()).isEqualTo("raw");
        assertThat(e.protocolName()).isEqualTo("all");
        assertThat(e.ip()).isEqualTo("0.0.0.0");
        assertThat(e.port()).isZero();
    }

    @Test
    void aCreatedRawIcmpv6SocketIsAnAuditedSocketEvent() {
        NetEvent e = (NetEvent) EventDecoder.decode(socketRecord(2, 0xfffffffd, 10, 3, 58, 0)).orElseThrow();
        assertThat(e.verdict()).isEqualTo(dev.cordon.events.Verdict.AUDITED);
        assertThat(e.ruleId()).isEqualTo(Abi.RULE_RAW_SOCKET);
        assertThat(e.familyName()).isEqualTo("ipv6");
        assertThat(e.protocolName()).isEqualTo("icmpv6");
        assertThat(e.socket().errno()).isZero();
        assertThat(e.ip()).isEqualTo("::");
    }

    @Test
    void aShortSocketRecordIsRejected() {
        assertThat(EventDecoder.decode(Arrays.copyOf(socketRecord(1, 0xfffffffa, 17, 3, 0x0300, -1), 71))).isEmpty();
    }

    /** struct cordon_exec_denied_event (328 bytes), laid out by hand from bpf/cordon.h, little-endian. */
    private static byte[] execDeniedRecord(int dirfd, int flags, String path, int pathLen) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(328).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 7).putInt(4, 4242).putInt(8, 4243).putLong(16, 1_000L).putLong(24, 77L); // kind EXEC_DENIED, tgid, pid, ts, cgroup
        b.put(32, "setpriv".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.putInt(48, 4200).putInt(52, -1).putInt(56, dirfd).putInt(60, flags).putInt(64, pathLen); // ppid, ret -EPERM, dirfd, flags, path_len
        b.put(72, path.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return b.array();
    }

    @Test
    void anExecveRefusedWithEpermCarriesItsPath() {
        var e = (dev.cordon.events.ExecDeniedEvent) EventDecoder.decode(execDeniedRecord(-100, 0, "/usr/bin/ping", 14)).orElseThrow();
        assertThat(e.errno()).isEqualTo(1);
        assertThat(e.ppid()).isEqualTo(4200);
        assertThat(e.path()).isEqualTo("/usr/bin/ping");
        assertThat(e.pathTruncated()).isFalse();
        assertThat(e.dirfd()).isEqualTo(dev.cordon.events.ExecDeniedEvent.AT_FDCWD);
        assertThat(e.execsTheFd()).isFalse();
        assertThat(e.process().pid()).isEqualTo(4242);
        assertThat(e.process().tid()).isEqualTo(4243);
        assertThat(e.process().comm()).isEqualTo("setpriv");
        assertThat(e.process().cgroupId()).isEqualTo(77L);
    }

    @Test
    void anExecveatOfItsOwnFdAndAPathFillingTheBuffer() {
        var fexecve = (dev.cordon.events.ExecDeniedEvent) EventDecoder.decode(execDeniedRecord(3, 0x1000, "", 1)).orElseThrow();
        assertThat(fexecve.path()).isEmpty();
        assertThat(fexecve.dirfd()).isEqualTo(3);
        assertThat(fexecve.execsTheFd()).isTrue();

        String longPath = "/" + "d".repeat(254); // 255 bytes and the NUL: the whole buffer, maybe cut off
        var full = (dev.cordon.events.ExecDeniedEvent) EventDecoder.decode(execDeniedRecord(-100, 0, longPath, 256)).orElseThrow();
        assertThat(full.path()).isEqualTo(longPath);
        assertThat(full.pathTruncated()).isTrue();

        var unread = (dev.cordon.events.ExecDeniedEvent) EventDecoder.decode(execDeniedRecord(-100, 0, "", 0)).orElseThrow();
        assertThat(unread.path()).isEmpty();
        assertThat(unread.execsTheFd()).isFalse();
    }

    @Test
    void aShortExecDeniedRecordIsRejected() {
        assertThat(EventDecoder.decode(Arrays.copyOf(execDeniedRecord(-100, 0, "/bin/x", 7), 327))).isEmpty();
    }

    /**
     * struct cordon_script_line_event (bpf/script_lines.h): header, line, trap, frames, skipped, then 8 frames of
     * lineno[12], file_len (u32), file[256]: 48 + 16 + 8 * 272 = 2240 bytes. Frames are (file, BASH_LINENO text).
     */
    private static byte[] scriptLine(String line, String trap, String... fileThenLineno) {
        String[] hdr = HDR_CONNECT_CURL.clone();
        hdr[0] = "08 00 00 00"; // kind = CORDON_EVENT_SCRIPT_LINE (8)
        int frames = fileThenLineno.length / 2;
        StringBuilder f = new StringBuilder();
        for (int k = 0; k < 8; k++) {
            if (k >= frames) {
                f.append(zeros(272));
                continue;
            }
            byte[] lineno = fileThenLineno[2 * k + 1].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] name = fileThenLineno[2 * k].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int len = name.length == 0 ? 0 : Math.min(name.length + 1, 256);
            f.append(HexFormat.of().formatHex(lineno)).append(zeros(12 - lineno.length))
                    .append(HexFormat.of().formatHex(new byte[] {(byte) len, (byte) (len >> 8), 0, 0}))
                    .append(HexFormat.of().formatHex(Arrays.copyOf(name, Math.min(name.length, 255)))).append(zeros(256 - Math.min(name.length, 255)));
        }
        String n = HexFormat.of().formatHex(new byte[] {(byte) frames, 0, 0, 0});
        return rec(String.join("", hdr), line, trap, n, zeros(4), f.toString());
    }

    private static dev.cordon.events.ScriptLine decodedLine(byte[] r) {
        return ((dev.cordon.events.ScriptLineEvent) EventDecoder.decode(r).orElseThrow()).line();
    }

    @Test
    void aScriptLineNamesFileAndLine() {
        byte[] r = scriptLine("09 00 00 00", "00 00 00 00", "./deploy.sh", "");
        assertThat(r).hasSize(2240);
        var e = (dev.cordon.events.ScriptLineEvent) EventDecoder.decode(r).orElseThrow();
        assertThat(e.process().pid()).isEqualTo(4242);
        assertThat(e.line()).isEqualTo(new dev.cordon.events.ScriptLine("./deploy.sh", 9));
    }

    @Test
    void theCallStackReadsFromTheOutermostScript() {
        // frame 0: lib.sh, $LINENO 6; frame 1: deploy.sh, where BASH_LINENO[0] says it called into lib.sh: 12
        assertThat(decodedLine(scriptLine("06 00 00 00", "00 00 00 00", "./lib.sh", "", "./deploy.sh", "12")).label())
                .isEqualTo("./deploy.sh:12 > ./lib.sh:6");
        // a frame without a file (a function from a -c string) is left out; a BASH_LINENO that is no number reads as 0
        assertThat(decodedLine(scriptLine("06 00 00 00", "00 00 00 00", "./lib.sh", "", "", "3", "./deploy.sh", "x1")).label())
                .isEqualTo("./deploy.sh > ./lib.sh:6");
    }

    @Test
    void aScriptLineFromATrapSaysWhichButNamesNoLine() {
        // running_trap = signal + 1: ERR is NSIG + 1 = 66, so 67; EXIT is signal 0, so 1; SIGTERM 15, so 16
        assertThat(decodedLine(scriptLine("04 00 00 00", "43 00 00 00", "deploy.sh", "")).label()).isEqualTo("deploy.sh (ERR trap)");
        assertThat(decodedLine(scriptLine("02 00 00 00", "01 00 00 00", "deploy.sh", "")).label()).isEqualTo("deploy.sh (EXIT trap)");
        assertThat(decodedLine(scriptLine("01 00 00 00", "10 00 00 00", "deploy.sh", "")).label()).isEqualTo("deploy.sh (TERM trap)");
        assertThat(decodedLine(scriptLine("07 00 00 00", "42 00 00 00", "deploy.sh", "")).label()).isEqualTo("deploy.sh (DEBUG trap)");
    }

    @Test
    void aScriptLineWithoutAFileOrCutShortIsRejectedAndALongFileIsMarkedCut() {
        assertThat(EventDecoder.decode(scriptLine("09 00 00 00", "00 00 00 00", "", ""))).isEmpty();
        assertThat(EventDecoder.decode(scriptLine("09 00 00 00", "00 00 00 00"))).as("no frames").isEmpty();
        assertThat(EventDecoder.decode(Arrays.copyOf(scriptLine("09 00 00 00", "00 00 00 00", "x.sh", ""), 2239))).isEmpty();
        String longName = "/" + "d".repeat(300);
        assertThat(decodedLine(scriptLine("09 00 00 00", "00 00 00 00", longName, "")).file()).isEqualTo(longName.substring(0, 255) + "...");
    }

    @Test
    void unknownKindsAreRejected() {
        for (String kind : new String[] {"00 00 00 00", "0a 00 00 00", "ff ff ff ff", "01 00 00 01"}) {
            byte[] r = v4BlockedConnect();
            System.arraycopy(HexFormat.of().parseHex(kind.replace(" ", "")), 0, r, 0, 4); // kind at offset 0
            assertThat(EventDecoder.decode(Arrays.copyOf(r, 600))).as("kind %s", kind).isEmpty();
        }
    }

    @Test
    void unknownVerdictsAreRejected() {
        for (String verdict : new String[] {"04 00 00 00", "ff ff ff ff", "00 01 00 00"}) {
            byte[] r = v4BlockedConnect();
            System.arraycopy(HexFormat.of().parseHex(verdict.replace(" ", "")), 0, r, 48, 4); // verdict at offset 48
            assertThat(EventDecoder.decode(r)).as("verdict %s", verdict).isEmpty();
        }
    }

    private static NetEvent net(Optional<KernelEvent> e) {
        assertThat(e).isPresent();
        assertThat(e.get()).isInstanceOf(NetEvent.class);
        return (NetEvent) e.get();
    }

    private static ExecEvent exec(Optional<KernelEvent> e) {
        assertThat(e).isPresent();
        assertThat(e.get()).isInstanceOf(ExecEvent.class);
        return (ExecEvent) e.get();
    }
}
