"""bench/run: sets up the bench's world, runs every case interleaved over rounds, reports."""
import argparse
import datetime
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field

from . import dnscases, misccases, netcases, policies, report, servers
from .executors import Bare, cgroup_agent, cordon_agent, wait_ready
from .world import NETNS_PEER, World


@dataclass
class Config:
    rounds: int = 5
    connect_n: int = 20000
    request_n: int = 5000
    sizes: list = field(default_factory=lambda: [10, 10000, 100000])
    sendto_secs: float = 2
    iperf_secs: int = 3
    dns_rates: list = field(default_factory=lambda: [1000, 5000, 10000])
    dns_secs: float = 5
    sat_qps_guess: int = 60000
    fail_n: int = 200
    drop_n: int = 3
    drop_cap_ms: int = 1000
    startup_n: int = 3
    scale_sizes: list = field(default_factory=lambda: [1000, 10000, 100000])
    scale_cap_s: float = 60
    session_start_s: float = 600


QUICK = Config(rounds=1, connect_n=300, request_n=300, sizes=[10, 1000], sendto_secs=0.2, iperf_secs=1, dns_rates=[5000],
               dns_secs=0.5, sat_qps_guess=30000, fail_n=10, drop_n=1, drop_cap_ms=200, startup_n=1,
               scale_sizes=[1000], scale_cap_s=30, session_start_s=120)


class Context:
    def __init__(self, world, cfg, workdir, tool, cordon):
        self.world, self.cfg, self.workdir, self.tool, self.cordon = world, cfg, workdir, tool, cordon
        self.bare = Bare()
        self.agents = {}
        self.unique_runs = 0

    def executor(self, variant):
        if variant == "bare":
            return self.bare
        if variant.startswith("nft-"):
            return self.agents["nft"]
        return self.agents[variant]

    def dns_target(self, target):
        """(server, port, executor) for one DNS target."""
        if target == "cordon":  # port 53 inside the session is redirected to cordon's proxy
            return "127.0.0.1", 53, self.dns_cordon
        return "127.0.0.1", self.dns_ports[target], self.bare


def setup(ctx):
    w, cfg = ctx.world, ctx.cfg
    ns = w.make_netns()
    w.spawn(["ip", "netns", "exec", ns, ctx.tool, "listen-tcp", NETNS_PEER, str(netcases.CONNECT_PORT)],
            os.path.join(ctx.workdir, "listen-tcp.log"))
    w.spawn(["ip", "netns", "exec", ns, ctx.tool, "listen-udp", NETNS_PEER, str(netcases.SINK_PORT)],
            os.path.join(ctx.workdir, "listen-udp.log"))
    w.spawn(["ip", "netns", "exec", ns, ctx.tool, "listen-http", NETNS_PEER, str(netcases.HTTP_PORT)],
            os.path.join(ctx.workdir, "listen-http.log"))
    w.spawn(["ip", "netns", "exec", ns, "iperf3", "-s", "-B", NETNS_PEER, "-p", str(netcases.IPERF_PORT)],
            os.path.join(ctx.workdir, "iperf3.log"))
    ctx.udp_sink_port = servers.free_port()
    w.spawn([ctx.tool, "listen-udp", "127.0.0.1", str(ctx.udp_sink_port)], os.path.join(ctx.workdir, "sink.log"))

    auth = servers.start_auth(w, ctx.workdir)
    ctx.upstream_args = [f"--upstream=127.0.0.1:{auth}"]
    ctx.dns_ports = {"direct": auth,
                     "dnsmasq": servers.start_dnsmasq_forwarder(w, ctx.workdir, auth),
                     "unbound": servers.start_unbound_forwarder(w, ctx.workdir, auth)}
    # The drop baseline: one port in the netns whose SYNs nftables drops (for every process).
    w.nft_table("drop", f"  chain out {{ type filter hook output priority 0; policy accept;\n"
                        f"    ip daddr {NETNS_PEER} tcp dport {misccases.DROP_PORT} drop\n  }}")

    ctx.agents["cgroup"] = cgroup_agent(w, "cgroup", ctx.workdir)
    ctx.agents["nft"] = nft = cgroup_agent(w, "nft", ctx.workdir)
    ctx.nft_cgroup_rel = os.path.relpath(nft.cgroup, "/sys/fs/cgroup")
    check_nft_matches(ctx)

    # cordon sessions, started together (their policy loads overlap); each waits for its agent.
    specs = {f"{mode}-{n}": ["--mode", mode, *ctx.upstream_args, *policies.cidr_flags(n)]
             for mode in ("audit", "enforce") for n in cfg.sizes}
    specs["failfast"] = ["--mode", "enforce", *ctx.upstream_args, f"--deny-cidr={NETNS_PEER}/32", "--deny=blocked.bench.test"]
    # --egress-rate: does TCP settle at the cap? (the same small policy without it is the enforce-N agent)
    specs[netcases.EGRESS_RATE_AGENT] = ["--mode", "enforce", *ctx.upstream_args, *policies.cidr_flags(cfg.sizes[0]),
                                         f"--egress-rate={netcases.EGRESS_RATE_MBIT}Mbit"]
    # The first-bytes check's cost: the same small policy with the check off (enforce-N has it on).
    small = f"enforce-{cfg.sizes[0]}"
    specs[netcases.no_first_bytes(small)] = specs[small] + ["--no-first-bytes"]
    for name, args in specs.items():
        ctx.agents[name] = cordon_agent(w, name, ctx.workdir, ctx.cordon, args)
    for name in specs:
        wait_ready(ctx.agents[name], cfg.session_start_s)
    ctx.failfast = ctx.agents["failfast"]
    ctx.dns_cordon = ctx.agents[f"enforce-{cfg.sizes[0]}"]


def check_nft_matches(ctx):
    """The nftables baseline must really match the cgroup: a set holding the listener drops its SYN."""
    drop = ctx.world.nft_table("probe", policies.nft_set_body(1, ctx.nft_cgroup_rel, extra=[f"{NETNS_PEER}/32"]))
    try:
        import json
        rc, out, err = ctx.agents["nft"].run([ctx.tool, "connect-fail", NETNS_PEER, str(netcases.CONNECT_PORT), "1", "200"])
        r = json.loads(out)
        if r["timeouts"] != 1:
            raise RuntimeError(f"nftables 'socket cgroupv2' rule did not match the bench's cgroup: {r} {err}")
    finally:
        drop()


def rotate(items, k):
    k %= len(items)
    return items[k:] + items[:k]


def one_round(ctx, rec, r):
    cfg = ctx.cfg
    variants = ["bare", "cgroup"] + [f"{p}-{n}" for n in cfg.sizes for p in ("nft", "audit", "enforce")]
    for v in rotate(variants, r):
        netcases.connect(ctx, rec, v)
    big = f"enforce-{max(cfg.sizes)}"
    for v in rotate(["bare", big], r):
        netcases.sendto(ctx, rec, v)
    for proto in ("tcp", "udp"):
        for v in rotate(["bare", big], r):
            netcases.iperf(ctx, rec, v, proto)
    small = f"enforce-{cfg.sizes[0]}"
    for v in rotate([small, netcases.EGRESS_RATE_AGENT, netcases.no_first_bytes(small)], r):
        netcases.iperf(ctx, rec, v, "tcp")
    for v in rotate(["bare", small, netcases.no_first_bytes(small)], r):
        netcases.request(ctx, rec, v)
    for names in ("cached", "unique"):
        for rate in cfg.dns_rates + [None]:
            for target in rotate(["direct", "cordon", "dnsmasq", "unbound"], r):
                dnscases.dnsperf(ctx, rec, target, names, rate)
    misccases.rss_after_load(ctx, rec)
    for v in rotate(["refused-connect", "cordon-blocked-connect", "nft-dropped-connect", "cordon-blocked-name",
                     "dropped-dns"], r):
        misccases.failtime(ctx, rec, v)
    for v in rotate(["true", "cordon"], r):
        misccases.startup(ctx, rec, v)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="bench/run", description="cordon's benchmarks against the alternatives")
    ap.add_argument("--quick", action="store_true", help="every case briefly (< 1 min): checks the harness, not the numbers")
    ap.add_argument("--rounds", type=int, help="rounds of interleaved runs (default 5)")
    ap.add_argument("--no-scale", action="store_true", help="skip the policy-scale case (the slowest)")
    ap.add_argument("--results", required=True, help="directory for <date>.json and the figures")
    ap.add_argument("--tool", required=True, help="the compiled benchtool")
    ap.add_argument("--cordon", required=True, help="bin/cordon")
    a = ap.parse_args(argv)
    cfg = QUICK if a.quick else Config()
    if a.rounds:
        cfg.rounds = a.rounds
    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S") + ("-quick" if a.quick else "")
    os.makedirs(a.results, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="cordon-bench-")
    world = World(str(os.getpid()))
    ctx = Context(world, cfg, workdir, a.tool, a.cordon)
    rec = report.Recorder()
    meta = {"date": stamp, "quick": a.quick, "config": cfg.__dict__, "machine": report.machine()}

    def on_signal(sig, _):
        raise KeyboardInterrupt(f"signal {sig}")
    signal.signal(signal.SIGTERM, on_signal)
    failed = None
    t0 = time.monotonic()
    try:
        setup(ctx)
        print(f"bench: set up in {time.monotonic() - t0:.1f}s (work dir {workdir})", file=sys.stderr)
        for r in range(cfg.rounds):
            one_round(ctx, rec, r)
            print(f"bench: round {r + 1}/{cfg.rounds} done at {time.monotonic() - t0:.0f}s", file=sys.stderr)
        if not a.no_scale:
            misccases.scale(ctx, rec)
    except BaseException as e:  # report, clean up, exit non-zero
        failed = e
        traceback.print_exc()
    finally:
        errors = world.close()
        for e in errors:
            print(f"bench: cleanup: {e}", file=sys.stderr)
    meta["elapsed_s"] = round(time.monotonic() - t0, 1)
    tgts = report.targets(rec, cfg)
    rows = report.table(rec)
    print(report.format_table(rows, tgts))
    out = os.path.join(a.results, f"{stamp}.json")
    report.write_json(out, meta, rec, tgts)
    print(f"bench: wrote {out}", file=sys.stderr)
    try:
        if failed:
            raise ImportError("skipped: the run failed")
        from . import plots
        for f in plots.draw(rec, cfg, a.results, stamp):
            print(f"bench: wrote {f}", file=sys.stderr)
    except ImportError as e:
        print(f"bench: no figures: {e}", file=sys.stderr)
        failed = failed or e
    if failed or errors:
        print(f"bench: FAILED; logs kept in {workdir}", file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    if a.quick:
        return check_complete(rec, tgts)
    return 0


def check_complete(rec, tgts):
    """--quick: every case produced a number, every target could be evaluated."""
    missing = [t["target"] for t in tgts if t["value"] is None]
    cases = {c for (c, _, _) in rec.samples}
    want = {"connect", "request", "sendto", "iperf-tcp", "iperf-udp64", "dns-cached", "dns-unique", "rss", "time-to-fail",
            "startup", "scale"}
    if missing or want - cases:
        print(f"bench --quick: BROKEN: no numbers for {sorted(want - cases)} {missing}", file=sys.stderr)
        return 1
    print(f"bench --quick: harness OK ({len(rec.samples)} series, {len(tgts)} targets evaluated)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
