package dev.cordon.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The effective capability set of this process, from /proc/self/status. */
public final class Capabilities {
    public static final int CAP_NET_ADMIN = 12, CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

    private final long effective;

    private Capabilities(long effective) {
        this.effective = effective;
    }

    public static Capabilities current() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) return new Capabilities(Long.parseUnsignedLong(line.substring(7).trim(), 16));
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: no capabilities known
        }
        return new Capabilities(0);
    }

    /**
     * The highest capability this kernel has (kernel.cap_last_cap): 40 on current kernels, 37 before
     * Linux 5.8 (no perfmon, bpf). Read in one read: a numeric sysctl answers a second read with EOF.
     */
    public static int lastCap() {
        try (var in = Files.newInputStream(Path.of("/proc/sys/kernel/cap_last_cap"))) {
            return Integer.parseInt(new String(in.readNBytes(32), java.nio.charset.StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return Capability.values().length - 1;
        }
    }

    public boolean has(int cap) {
        return (effective & (1L << cap)) != 0;
    }

    /** What cordon needs: load programs (CAP_BPF or CAP_SYS_ADMIN), attach to cgroups and manage them (CAP_SYS_ADMIN). */
    public boolean canRunSessions() {
        return has(CAP_SYS_ADMIN) && (has(CAP_BPF) || has(CAP_SYS_ADMIN));
    }
}
