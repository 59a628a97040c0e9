"""Medians, ratios, targets, the printed table and the JSON file."""
import json
import platform
import statistics

from .netcases import EGRESS_RATE_AGENT, EGRESS_RATE_MBIT, no_first_bytes


class Recorder:
    def __init__(self):
        self.samples = {}

    def add(self, case, variant, metric, value):
        self.samples.setdefault((case, variant, metric), []).append(value)

    def median(self, case, variant, metric):
        v = self.samples.get((case, variant, metric))
        return statistics.median(v) if v else None


def targets(rec, cfg, cordons=("cordon",)):
    """(name, measured, limit, pass) per target; measured None when a case produced no number.
    cordons: the cordon builds measured (cordon, and cordon-base with --cordon-base): DNS targets for each."""
    m = rec.median
    big = max(cfg.sizes)
    out = []

    def ratio(a, b):
        return a / b if a is not None and b else None

    def add(name, value, limit, ok, unit=""):
        out.append({"target": name, "value": value, "limit": limit, "unit": unit,
                    "pass": None if value is None else ok(value)})

    for mode in ("audit", "enforce"):
        add(f"connect p50, cordon {mode} {big} entries / empty cgroup", ratio(m("connect", f"{mode}-{big}", "p50_us"),
            m("connect", "cgroup", "p50_us")), 1.05, lambda v: v <= 1.05, "x")
        add(f"connect p50, cordon {mode} {big} entries / nftables {big}", ratio(m("connect", f"{mode}-{big}", "p50_us"),
            m("connect", f"nft-{big}", "p50_us")), 1.0, lambda v: v <= 1.0, "x")
    add("unconnected sendto rate, cordon / bare", ratio(m("sendto", f"enforce-{big}", "pps"), m("sendto", "bare", "pps")),
        0.97, lambda v: v >= 0.97, "x")
    add("bulk TCP throughput (iperf3), cordon / bare", ratio(m("iperf-tcp", f"enforce-{big}", "gbit_s"),
        m("iperf-tcp", "bare", "gbit_s")), 0.97, lambda v: v >= 0.97, "x")
    small = min(cfg.sizes)
    add("bulk TCP throughput, cordon without --egress-rate / bare", ratio(m("iperf-tcp", f"enforce-{small}", "gbit_s"),
        m("iperf-tcp", "bare", "gbit_s")), 0.97, lambda v: v >= 0.97, "x")
    checked = f"enforce-{small}"
    add("bulk TCP throughput, first-bytes check on / off", ratio(m("iperf-tcp", checked, "gbit_s"),
        m("iperf-tcp", no_first_bytes(checked), "gbit_s")), 0.97, lambda v: v >= 0.97, "x")
    add("connect + first request p50, first-bytes check on / off", ratio(m("request", checked, "p50_us"),
        m("request", no_first_bytes(checked), "p50_us")), 1.10, lambda v: v <= 1.10, "x")
    add(f"bulk TCP throughput under --egress-rate {EGRESS_RATE_MBIT}Mbit / the cap",
        ratio(m("iperf-tcp", EGRESS_RATE_AGENT, "gbit_s"), EGRESS_RATE_MBIT / 1000), 1.15, lambda v: 0.85 <= v <= 1.15, "x")
    rate = 5000 if 5000 in cfg.dns_rates else cfg.dns_rates[0]
    for who in cordons:
        for names in ("cached", "unique"):
            c = f"dns-{names}"
            p99_limit = 150 if names == "cached" else 300
            for p, limit in (("p50", 30), ("p99", p99_limit)):
                a, b = m(c, who, f"{p}_us@{rate}"), m(c, "direct", f"{p}_us@{rate}")
                add(f"DNS proxy adds at {rate} qps, {p}, {names} names ({who})", None if a is None or b is None else a - b,
                    limit, lambda v, limit=limit: v <= limit, "us")
            add(f"DNS max qps, {who} / dnsmasq forwarder, {names} names", ratio(m(c, who, "max_qps"),
                m(c, "dnsmasq", "max_qps")), 1.0, lambda v: v >= 1.0, "x")
        add(f"blocked name fails in (p99) ({who})", m("time-to-fail", f"{who}-blocked-name", "p99_us"), 200,
            lambda v: v <= 200, "us")
        add(f"{who} RSS under DNS load (VmHWM)", m("rss", f"{who}-dns-session", "vmhwm_mb"), 100, lambda v: v <= 100, "MB")
    add("blocked connect fails in (p99)", m("time-to-fail", "cordon-blocked-connect", "p99_us"), 1000,
        lambda v: v <= 1000, "us")
    add("cordon run -- true (wall, median)", m("startup", "cordon", "wall_ms"), 250, lambda v: v <= 250, "ms")
    for kind in ("cidr", "domain"):
        n = max(cfg.scale_sizes)
        for how in ("run-file", "run-options"):
            v = m("scale", f"{how}-{kind}-{n}", "load_s")
            capped = m("scale", f"{how}-{kind}-{n}", "capped_s")
            add(f"{n}-rule {kind} policy loads ({how.replace('run-', 'as ')})", v if capped is None else capped, 1.0,
                lambda v, capped=capped: capped is None and v <= 1.0, "s")
    return out


BASELINE = {"connect": "cgroup", "request": "bare", "sendto": "bare", "iperf-tcp": "bare", "iperf-udp64": "bare", "dns-cached": "direct",
            "dns-unique": "direct", "time-to-fail": "refused-connect", "startup": "true"}


def table(rec):
    rows = []
    for (case, variant, metric), vals in sorted(rec.samples.items()):
        med = statistics.median(vals)
        base = rec.median(case, BASELINE.get(case, ""), metric)
        ratio = f"{med / base:.3f}" if base and variant != BASELINE.get(case) else ""
        rows.append((case, variant, metric, f"{med:.4g}", ratio, str(len(vals))))
    return rows


def format_table(rows, tgts):
    head = ("case", "variant", "metric", "median", "ratio", "n")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    out = [line(head), line(tuple("-" * w for w in widths))] + [line(r) for r in rows]
    out += ["", "targets:"]
    for t in tgts:
        verdict = "n/a " if t["pass"] is None else ("pass" if t["pass"] else "MISS")
        v = "-" if t["value"] is None else f"{t['value']:.3f}{t['unit']}"
        out.append(f"  {verdict}  {t['target']}: {v} (limit {t['limit']}{t['unit']})")
    return "\n".join(out)


def machine():
    def first(path, key):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            return None
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    return {"cpu": first("/proc/cpuinfo", "model name"), "cpus": __import__("os").cpu_count(),
            "kernel": platform.release(), "memory": first("/proc/meminfo", "MemTotal"), "loadavg_at_start": load}


def write_json(path, meta, rec, tgts):
    doc = dict(meta)
    doc["samples"] = [{"case": c, "variant": v, "metric": m, "values": vals, "median": statistics.median(vals)}
                      for (c, v, m), vals in sorted(rec.samples.items())]
    doc["targets"] = tgts
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
