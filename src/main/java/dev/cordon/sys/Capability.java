package dev.cordon.sys;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Linux capabilities by number (linux/capability.h), with the names setpriv and /proc use. */
public enum Capability {
    CHOWN(0), DAC_OVERRIDE(1), DAC_READ_SEARCH(2), FOWNER(3), FSETID(4), KILL(5), SETGID(6), SETUID(7), SETPCAP(8),
    LINUX_IMMUTABLE(9), NET_BIND_SERVICE(10), NET_BROADCAST(11), NET_ADMIN(12), NET_RAW(13), IPC_LOCK(14), IPC_OWNER(15),
    SYS_MODULE(16), SYS_RAWIO(17), SYS_CHROOT(18), SYS_PTRACE(19), SYS_PACCT(20), SYS_ADMIN(21), SYS_BOOT(22),
    SYS_NICE(23), SYS_RESOURCE(24), SYS_TIME(25), SYS_TTY_CONFIG(26), MKNOD(27), LEASE(28), AUDIT_WRITE(29),
    AUDIT_CONTROL(30), SETFCAP(31), MAC_OVERRIDE(32), MAC_ADMIN(33), SYSLOG(34), WAKE_ALARM(35), BLOCK_SUSPEND(36),
    AUDIT_READ(37), PERFMON(38), BPF(39), CHECKPOINT_RESTORE(40);

    public final int number;

    Capability(int number) {
        this.number = number;
    }

    /** {@code net_raw}: the name setpriv takes and cordon's options print. */
    public String shortName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The name for setpriv's --bounding-set: the short name, but {@code cap_38} and {@code cap_39} for
     * perfmon and bpf, which libcap-ng (setpriv's name table) learned only in 0.7.11; older releases
     * stop every session with "unknown capability". setpriv reads {@code cap_N} itself.
     */
    public String setprivName() {
        return number >= PERFMON.number ? "cap_" + number : shortName();
    }

    /** {@code cap_net_raw}: as getcap and capabilities(7) write it. */
    public String capName() {
        return "cap_" + shortName();
    }

    /** {@code CAP_NET_RAW}. */
    public String constantName() {
        return "CAP_" + name();
    }

    public long bit() {
        return 1L << number;
    }

    /** {@code net_raw}, {@code NET_RAW}, {@code cap_net_raw} and {@code CAP_NET_RAW} all name CAP_NET_RAW. */
    public static Optional<Capability> parse(String text) {
        String n = text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        if (n.startsWith("CAP_")) n = n.substring(4);
        String name = n;
        return Arrays.stream(values()).filter(c -> c.name().equals(name)).findFirst();
    }

    /** The capabilities set in a /proc/PID/status mask such as CapBnd. */
    public static java.util.EnumSet<Capability> fromMask(long mask) {
        java.util.EnumSet<Capability> set = java.util.EnumSet.noneOf(Capability.class);
        for (Capability c : values()) if ((mask & c.bit()) != 0) set.add(c);
        return set;
    }
}
