"""Time to fail, start-up wall time, cordon's memory under DNS load, policy scale."""
import glob
import json
import os
import statistics
import subprocess
import time

from . import policies
from .executors import raise_stack_limit, vm_status
from .world import NETNS_PEER, remove_cgroup, stop_process

DROP_PORT, REFUSED_PORT = 5003, 5009


def _lat(what, rc, out, err):
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"{what}: exit {rc}: {err.strip()[:300]}")


def failtime(ctx, rec, variant):
    n, cap = str(ctx.cfg.fail_n), str(ctx.cfg.drop_cap_ms)
    if variant == "cordon-blocked-connect":
        r = _lat(variant, *ctx.failfast["cordon"].run([ctx.tool, "connect-fail", NETNS_PEER, "5001", n, "1000"]))
        expect = r["errno"] == "EPERM" and r["connected"] == 0
    elif variant == "refused-connect":  # the floor: a RST from a closed port in the netns
        r = _lat(variant, *ctx.bare.run([ctx.tool, "connect-fail", NETNS_PEER, str(REFUSED_PORT), n, "1000"]))
        expect = r["errno"] == "ECONNREFUSED"
    elif variant == "nft-dropped-connect":
        r = _lat(variant, *ctx.bare.run([ctx.tool, "connect-fail", NETNS_PEER, str(DROP_PORT), str(ctx.cfg.drop_n), cap]))
        expect = r["timeouts"] == ctx.cfg.drop_n
    elif variant.endswith("-blocked-name"):  # cordon-blocked-name, cordon-base-blocked-name
        agent = ctx.failfast[variant.removesuffix("-blocked-name")]
        r = _lat(variant, *agent.run([ctx.tool, "dnsq", "127.0.0.1", "53", "x.blocked.bench.test", n, "1000"]))
        expect = r["nxdomain"] == ctx.cfg.fail_n
    elif variant == "dropped-dns":  # a server that never answers: the client's own timeout decides
        r = _lat(variant, *ctx.bare.run([ctx.tool, "dnsq", "127.0.0.1", str(ctx.udp_sink_port), "x.bench.test",
                                         str(ctx.cfg.drop_n), cap]))
        expect = r["timeouts"] == ctx.cfg.drop_n
    else:
        raise ValueError(variant)
    if not expect:
        raise RuntimeError(f"time to fail, {variant}: unexpected outcome {r}")
    rec.add("time-to-fail", variant, "p50_us", r["p50_us"])
    rec.add("time-to-fail", variant, "p99_us", r["p99_us"])


def timed(argv, timeout, preexec=None, cg_root="/sys/fs/cgroup/unified"):
    """Wall seconds, max RSS (MB) and exit code of one command; (cap, None, None) when it hit the cap."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         start_new_session=True, preexec_fn=preexec)
    deadline = t0 + timeout
    while True:  # bounded by the deadline
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return time.perf_counter() - t0, ru.ru_maxrss / 1024, p.returncode, p.stderr.read().decode(errors="replace")
        if time.perf_counter() > deadline:
            stop_process(p)
            # a cordon killed mid-start may leave its cgroup (known gap): remove it
            for path in glob.glob(f"{cg_root}/cordon-{p.pid}-*"):
                remove_cgroup(path)
            return None, None, None, "capped"
        time.sleep(0.005)


def startup(ctx, rec, variant):
    argv = ["true"] if variant == "true" else [ctx.cordon, "run", "--no-summary", *ctx.upstream_args, "--", "true"]
    for _ in range(ctx.cfg.startup_n):
        wall, rss, rc, err = timed(argv, 60)
        if rc != 0:
            raise RuntimeError(f"start-up {variant}: exit {rc}: {err.strip()[:300]}")
        rec.add("startup", variant, "wall_ms", wall * 1e3)
        if variant != "true":
            rec.add("startup", variant, "maxrss_mb", rss)


def rss_after_load(ctx, rec):
    """cordon's peak RSS (VmHWM) so far: read after each round's DNS saturation runs through it."""
    for target in ctx.cordon_targets():
        st = vm_status(ctx.dns_cordon[target].proc.pid)
        variant = "cordon-dns-session" if target == "cordon" else f"{target}-dns-session"
        rec.add("rss", variant, "vmhwm_mb", st["VmHWM"])
        rec.add("rss", variant, "vmrss_mb", st["VmRSS"])


def scale(ctx, rec):
    """Load time and memory of n-rule policies: as files (check, run) and as options (run). Each is
    run scale_runs times; a load is a run's wall time less the median of as many runs of no policy."""
    cap = ctx.cfg.scale_cap_s
    walls = []
    for _ in range(ctx.cfg.scale_runs):
        wall, rss, rc, err = timed([ctx.cordon, "run", "--no-summary", *ctx.upstream_args, "--", "true"], 60)
        if rc != 0:
            raise RuntimeError(f"policy scale baseline: exit {rc}: {err[:300]}")
        walls.append(wall)
        rec.add("scale", "run-true", "wall_s", wall)
        rec.add("scale", "run-true", "maxrss_mb", rss)
    base = statistics.median(walls)
    for _ in range(ctx.cfg.scale_runs):
        scale_loads(ctx, rec, base, cap)


def scale_loads(ctx, rec, base, cap):
    """One run of each policy load, every size and kind."""
    for n in ctx.cfg.scale_sizes:
        for kind in ("cidr", "domain"):
            path = policies.write_policy(ctx.workdir, kind, n)
            flags = policies.cidr_flags(n) if kind == "cidr" else policies.domain_flags(n)
            runs = {
                "check-file": [ctx.cordon, "policy", "check", path],
                "run-file": [ctx.cordon, "run", "--no-summary", *ctx.upstream_args, "--policy", path, "--", "true"],
                "run-options": [ctx.cordon, "run", "--no-summary", *ctx.upstream_args, *flags, "--", "true"],
            }
            for how, argv in runs.items():
                wall, rss, rc, err = timed(argv, cap, raise_stack_limit)
                variant = f"{how}-{kind}-{n}"
                if wall is None:
                    rec.add("scale", variant, "capped_s", cap)
                    continue
                if rc != 0:
                    raise RuntimeError(f"policy scale {variant}: exit {rc}: {err.strip()[-300:]}")
                rec.add("scale", variant, "wall_s", wall)
                rec.add("scale", variant, "load_s", wall - base if how != "check-file" else wall)
                rec.add("scale", variant, "maxrss_mb", rss)
