package dev.cordon.policy;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a session's processes may take together: memory, CPU and process count. Each is null when
 * not limited. Sizes use powers of 1024, as the kernel and systemd do ({@code 512M} = 512 MiB).
 *
 * @param memory the memory cap, with the text the user wrote for messages
 * @param cpu    the CPU cap in cores, e.g. 0.5
 * @param pids   the most processes and threads at once
 * @param egressRate the outbound bandwidth of all of it together (enforced in the kernel, not by a cgroup controller)
 */
public record Limits(Memory memory, BigDecimal cpu, Long pids, Rate egressRate) {
    public static final Limits NONE = new Limits(null, null, null, null);

    /** Without an egress rate. */
    public Limits(Memory memory, BigDecimal cpu, Long pids) {
        this(memory, cpu, pids, null);
    }

    /** CPU quota is granted per period; 100 ms is the kernel's default (cpu.max, cpu.cfs_period_us). */
    public static final long CPU_PERIOD_US = 100_000;
    /** The kernel refuses a quota below 1 ms per period. */
    private static final BigDecimal MIN_CPU = new BigDecimal("0.01");

    public record Memory(long bytes, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** @param bytesPerSecond what the kernel's token bucket refills */
    public record Rate(long bytesPerSecond, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** Any limit a cgroup controller enforces (the egress rate is not one: the kernel programs enforce it). */
    public boolean needsControllers() {
        return memory != null || cpu != null || pids != null;
    }

    /** The CPU cap as a quota per {@link #CPU_PERIOD_US}. */
    public long cpuQuotaUs() {
        return cpu.multiply(BigDecimal.valueOf(CPU_PERIOD_US)).longValue();
    }

    /** Options given override the file's, one by one. */
    public Limits overriddenBy(Limits options) {
        return new Limits(options.memory != null ? options.memory : memory, options.cpu != null ? options.cpu : cpu,
                options.pids != null ? options.pids : pids, options.egressRate != null ? options.egressRate : egressRate);
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    /** {@code 512M}, {@code 1.5G}, {@code 64MiB}, {@code 1048576} (bytes). */
    public static Memory parseMemory(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) throw new PolicyException("memory '" + text + "' is not a size; use e.g. 512M, 1.5G or 1048576 (bytes)");
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift));
        if (bytes.compareTo(BigDecimal.valueOf(1L << 20)) < 0) {
            throw new PolicyException("memory '" + text + "' is below 1M: the command could not even start");
        }
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) throw new PolicyException("memory '" + text + "' is too large");
        return new Memory(bytes.longValue(), text.strip());
    }

    /** Cores, e.g. {@code 0.5} or {@code 2}. */
    public static BigDecimal parseCpu(String text) {
        BigDecimal cores;
        try {
            cores = new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            throw new PolicyException("cpu '" + text + "' is not a number of cores; use e.g. 0.5 or 2");
        }
        if (cores.compareTo(MIN_CPU) < 0) throw new PolicyException("cpu '" + text + "' is below " + MIN_CPU + " cores");
        if (cores.compareTo(BigDecimal.valueOf(4096)) > 0) throw new PolicyException("cpu '" + text + "' is more cores than any host has");
        return cores.stripTrailingZeros();
    }

    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(bit(?:/s)?|i?b/s)", Pattern.CASE_INSENSITIVE);

    /**
     * A bandwidth: bits per second as tc writes them ({@code 10Mbit}, {@code 500kbit}) or bytes per
     * second ({@code 2MB/s}, {@code 512KiB/s}); k, M, G, T are powers of 1000, KiB, MiB, GiB of 1024.
     */
    public static Rate parseRate(String text) {
        Matcher m = RATE.matcher(text.strip());
        if (!m.matches()) throw new PolicyException("rate '" + text + "' is not a bandwidth; use e.g. 10Mbit, 500kbit, 2MB/s or 512KiB/s");
        String unit = m.group(3).toLowerCase(Locale.ROOT);
        boolean bits = unit.startsWith("bit"), binary = unit.startsWith("ib");
        int power = "kmgt".indexOf(m.group(2).toLowerCase(Locale.ROOT)) + 1;
        BigDecimal perSecond = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(binary ? 1024 : 1000).pow(power));
        BigDecimal bytes = bits ? perSecond.divide(BigDecimal.valueOf(8), java.math.RoundingMode.HALF_UP) : perSecond;
        if (bytes.compareTo(BigDecimal.valueOf(1000)) < 0) throw new PolicyException("rate '" + text + "' is below 8kbit (1000 bytes a second)");
        if (bytes.compareTo(BigDecimal.valueOf(1L << 40)) > 0) throw new PolicyException("rate '" + text + "' is more than any interface carries");
        return new Rate(bytes.longValue(), text.strip());
    }

    public static long parsePids(String text) {
        long n;
        try {
            n = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new PolicyException("pids '" + text + "' is not a whole number");
        }
        if (n < 1) throw new PolicyException("pids " + n + " is below 1: the command itself is a process");
        return n;
    }
}
