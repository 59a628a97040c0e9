"""DNS latency at fixed rates and throughput at saturation with dnsperf, per target server."""
import os
import re

from .servers import ZONE

LAT = re.compile(r"^> \S+ \S+ \S+ ([0-9.]+)$", re.M)
QPS = re.compile(r"Queries per second:\s+([0-9.]+)")
LOST = re.compile(r"Queries lost:\s+(\d+)")
COMPLETED = re.compile(r"Queries completed:\s+(\d+)")


def query_file(ctx, names, count):
    """cached: 100 names asked over and over; unique: names no server has seen (new per run)."""
    if names == "cached":
        path = os.path.join(ctx.workdir, "q-cached.txt")
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.writelines(f"c{i}.{ZONE} A\n" for i in range(100))
        return path
    ctx.unique_runs += 1
    path = os.path.join(ctx.workdir, "q-unique.txt")
    with open(path, "w") as f:
        f.writelines(f"u{i}.r{ctx.unique_runs}.{ZONE} A\n" for i in range(count))
    return path


def pct(sorted_vals, p):
    return sorted_vals[int(p * (len(sorted_vals) - 1) + 0.5)]


def warm_up(ctx, target, server, port, ex):
    """Once per target and run, unmeasured: a JVM's first seconds (class loading, JIT) are not its
    steady state, and the forwarders' caches start empty too; every target gets the same treatment."""
    warmed = ctx.__dict__.setdefault("dns_warmed", set())
    if target in warmed:
        return
    warmed.add(target)
    argv = ["dnsperf", "-s", server, "-p", str(port), "-d", query_file(ctx, "cached", 0), "-l", "2", "-t", "2",
            "-Q", "3000", "-q", "100"]
    ex.run(argv, timeout=30)


def dnsperf(ctx, rec, target, names, rate):
    """rate: queries per second, or None for saturation (many outstanding queries, no limit)."""
    server, port, ex = ctx.dns_target(target)
    warm_up(ctx, target, server, port, ex)
    secs = ctx.cfg.dns_secs
    count = int((rate or ctx.cfg.sat_qps_guess) * secs * 1.3) + 100
    argv = ["dnsperf", "-s", server, "-p", str(port), "-d", query_file(ctx, names, count), "-l", str(secs), "-t", "2"]
    argv += ["-Q", str(rate), "-q", "100", "-v"] if rate else ["-c", "4", "-q", "500"]
    rc, out, err = ex.run(argv, timeout=secs + 30)
    m = QPS.search(out)
    if rc != 0 or not m:
        raise RuntimeError(f"dnsperf {target}/{names}/{rate}: exit {rc}: {(err or out).strip()[-300:]}")
    completed = int(COMPLETED.search(out).group(1))
    lost = int(LOST.search(out).group(1))
    case = f"dns-{names}"
    if rate:
        lat = sorted(float(x) * 1e6 for x in LAT.findall(out))
        if not lat:
            raise RuntimeError(f"dnsperf {target}/{names}/{rate}: no per-query latencies in its output")
        rec.add(case, target, f"p50_us@{rate}", pct(lat, .5))
        rec.add(case, target, f"p99_us@{rate}", pct(lat, .99))
        rec.add(case, target, f"lost@{rate}", lost)
    else:
        rec.add(case, target, "max_qps", float(m.group(1)))
        rec.add(case, target, "lost@max", lost / max(1, completed + lost))
