package dev.cordon.sys;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** security.capability values as the kernel writes them (setcap, Debian's packages), little-endian. */
class FileCapabilitiesTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /** Debian 12's /usr/bin/ping: cap_net_raw=ep, revision 2, as getfattr -e hex shows it. */
    private static final byte[] PING = hex("01000002 00200000 00000000 00000000 00000000");

    @Test
    void debiansPingIsNetRawEffectiveRevisionTwo() {
        FileCapabilities c = FileCapabilities.parse(PING).orElseThrow();
        assertThat(c.revision()).isEqualTo(2);
        assertThat(c.effective()).isTrue();
        assertThat(c.permittedSet()).containsExactly(Capability.NET_RAW);
        assertThat(c.inheritable()).isZero();
        assertThat(c.missingAtExec(Set.of(Capability.NET_RAW, Capability.SYS_ADMIN))).containsExactly(Capability.NET_RAW);
        assertThat(c.missingAtExec(Set.of(Capability.SYS_ADMIN))).as("net_raw kept: it starts").isEmpty();
    }

    @Test
    void withoutTheEffectiveBitNothingIsNeededAtExec() {
        // cap_net_admin,cap_bpf=p: the program raises them itself; exec never fails for them
        FileCapabilities c = FileCapabilities.parse(hex("00000002 00100000 00000000 80000000 00000000")).orElseThrow();
        assertThat(c.effective()).isFalse();
        assertThat(c.permittedSet()).containsExactly(Capability.NET_ADMIN, Capability.BPF);
        assertThat(c.missingAtExec(Set.of(Capability.NET_ADMIN, Capability.BPF))).isEmpty();
    }

    @Test
    void theHighWordHoldsCapabilitiesFrom32On() {
        // cap_bpf (39) and cap_perfmon (38) =ep: bits 7 and 6 of the second permitted word
        FileCapabilities c = FileCapabilities.parse(hex("01000002 00000000 00000000 c0000000 00000000")).orElseThrow();
        assertThat(c.permittedSet()).containsExactly(Capability.PERFMON, Capability.BPF);
        assertThat(c.missingAtExec(Set.of(Capability.BPF))).containsExactly(Capability.BPF);
    }

    @Test
    void revisionThreeCarriesTheNamespacesRootUid() {
        FileCapabilities root = FileCapabilities.parse(hex("01000003 00100000 00000000 00000000 00000000 00000000")).orElseThrow();
        assertThat(root.revision()).isEqualTo(3);
        assertThat(root.rootUid()).isZero();
        assertThat(root.missingAtExec(Set.of(Capability.NET_ADMIN))).containsExactly(Capability.NET_ADMIN);

        // set inside a user namespace whose root is uid 100000: the kernel ignores it for the initial namespace
        FileCapabilities userns = FileCapabilities.parse(hex("01000003 00100000 00000000 00000000 00000000 a0860100")).orElseThrow();
        assertThat(userns.rootUid()).isEqualTo(100_000);
        assertThat(userns.requiredAtExec()).isFalse();
        assertThat(userns.missingAtExec(Set.of(Capability.NET_ADMIN))).isEmpty();
    }

    @Test
    void revisionOneHasOneWordOfEach() {
        FileCapabilities c = FileCapabilities.parse(hex("01000001 00200000 00000000")).orElseThrow();
        assertThat(c.revision()).isEqualTo(1);
        assertThat(c.permittedSet()).containsExactly(Capability.NET_RAW);
    }

    @Test
    void valuesTheKernelWouldRejectAreNotCapabilities() {
        assertThat(FileCapabilities.parse(new byte[0])).isEmpty();
        assertThat(FileCapabilities.parse(hex("01000002 00200000 00000000"))).as("revision 2, revision 1's size").isEmpty();
        assertThat(FileCapabilities.parse(hex("01000003 00200000 00000000 00000000 00000000"))).as("revision 3 without rootid").isEmpty();
        assertThat(FileCapabilities.parse(hex("01000004 00200000 00000000 00000000 00000000"))).as("unknown revision").isEmpty();
        assertThat(FileCapabilities.parse(hex("01000002 00200000 00000000 00000000 00000000 00"))).as("a byte too many").isEmpty();
    }
}
