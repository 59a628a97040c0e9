package dev.cordon.policy;

/** Destination ports {@code lo..hi}, inclusive. Port 0 is never a destination, so ranges start at 1. */
public record PortRange(int lo, int hi) {
    public static final int MAX = 65535;

    public PortRange {
        if (lo < 1 || hi > MAX || lo > hi) throw new IllegalArgumentException("bad port range " + lo + "-" + hi);
    }

    public static PortRange of(int port) {
        return parse(Integer.toString(port));
    }

    /** {@code 443} or {@code 8000-8100}. */
    public static PortRange parse(String text) {
        String s = text == null ? "" : text.strip();
        int dash = s.indexOf('-', 1);
        int lo = port(dash < 0 ? s : s.substring(0, dash), text);
        int hi = dash < 0 ? lo : port(s.substring(dash + 1), text);
        if (lo > hi) throw new PolicyException("bad port range '" + text + "': " + lo + " is greater than " + hi);
        return new PortRange(lo, hi);
    }

    private static int port(String p, String whole) {
        String t = p.strip();
        if (t.isEmpty() || t.length() > 5 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new PolicyException("bad port '" + whole + "': give a number from 1 to 65535 or a range LO-HI");
        }
        int n = Integer.parseInt(t);
        if (n < 1 || n > MAX) throw new PolicyException("bad port '" + whole + "': " + n + " is not in 1-65535");
        return n;
    }

    public boolean contains(int port) {
        return port >= lo && port <= hi;
    }

    public boolean overlaps(PortRange o) {
        return lo <= o.hi && o.lo <= hi;
    }

    @Override
    public String toString() {
        return lo == hi ? Integer.toString(lo) : lo + "-" + hi;
    }
}
