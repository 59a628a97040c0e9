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
    scale_runs: int = 3  # runs of each policy load, and of the run it is measured against (medians)
    session_start_s: float = 600


QUICK = Config(rounds=1, connect_n=300, request_n=300, sizes=[10, 1000], sendto_secs=0.2, iperf_secs=1, dns_rates=[5000],
               dns_secs=0.5, sat_qps_guess=30000, fail_n=10, drop_n=1, drop_cap_ms=200, startup_n=1,
               scale_sizes=[1000], scale_cap_s=30, scale_runs=1, session_start_s=120)


class Context:
    def __init__(self, world, cfg, workdir, tool, cordon, cordon_base=None, only_dns=False):
        self.world, self.cfg, self.workdir, self.tool, self.cordon = world, cfg, workdir, tool, cordon
        self.cordon_base, self.only_dns = cordon_base, only_dns
        self.bare = Bare()
        self.agents = {}
        self.unique_runs = 0

    def cordon_targets(self):
        """The cordon builds measured: this one, and with --cordon-base another (the same cases, interleaved)."""
        return ["cordon", "cordon-base"] if self.cordon_base else ["cordon"]

    def executor(self, variant):
        if variant == "bare":
            return self.bare
        if variant.startswith("nft-"):
            return self.agents["nft"]
        return self.agents[variant]

    def dns_target(self, target):
        """(server, port, executor) for one DNS target."""
        if target in self.dns_cordon:  # port 53 inside the session is redirected to cordon's proxy
            return "127.0.0.1", 53, self.dns_cordon[target]
        return "127.0.0.1", self.dns_ports[target], self.bare


def setup(ctx):
    w, cfg = ctx.world, ctx.cfg
    if ctx.only_dns:
        return setup_dns(ctx)
    ns = w.make_netns()
    w.spawn(["ip", "netns", "exec", ns, ctx.tool, "listen-tcp", NETNS_PEER, str(netcases.CONNECT_PORT)],
            os.path.join(ctx.workdir, "listen-tcp.log"))
    w.spawn(["ip", "netns", "exec", ns, ctx.tool, "listen-udp", NETNS_PEER, str(netcases.SINK_PORT)],
            os.path.join(ctx.workdir, "listen-udp.log"))
    w.spawn(["ip", "netns", "exec", ns, ctx.tool, "listen-http", NETNS_PEER, str(netcases.HTTP_PORT)],
            os.path.join(ctx.workdir, "listen-http.log"))
    w.spawn(["ip", "netns", "exec", ns, "iperf3", "-s", "-B", NETNS_PEER, "-p", str(netcases.IPERF_PORT)],
            os.path.join(ctx.workdir, "iperf3.log"))
    ctx.udp_sink_port = start_udp_sink(ctx)

    start_dns_servers(ctx)
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
    specs["failfast"] = failfast_args(ctx)
    # --egress-rate: does TCP settle at the cap? (the same small policy without it is the enforce-N agent)
    specs[netcases.EGRESS_RATE_AGENT] = ["--mode", "enforce", *ctx.upstream_args, *policies.cidr_flags(cfg.sizes[0]),
                                         f"--egress-rate={netcases.EGRESS_RATE_MBIT}Mbit"]
    # The first-bytes check's cost: the same small policy with the check off (enforce-N has it on).
    small = f"enforce-{cfg.sizes[0]}"
    specs[netcases.no_first_bytes(small)] = specs[small] + ["--no-first-bytes"]
    if ctx.cordon_base:
        specs["base-dns"] = specs[f"enforce-{cfg.sizes[0]}"]
        specs["base-failfast"] = specs["failfast"]
    start_cordon_agents(ctx, specs)
    ctx.failfast = {"cordon": ctx.agents["failfast"], "cordon-base": ctx.agents.get("base-failfast")}
    ctx.dns_cordon = {"cordon": ctx.agents[f"enforce-{cfg.sizes[0]}"], "cordon-base": ctx.agents.get("base-dns")}


def start_dns_servers(ctx):
    w = ctx.world
    auth = servers.start_auth(w, ctx.workdir)
    ctx.upstream_args = [f"--upstream=127.0.0.1:{auth}"]
    ctx.udp_sink_port = getattr(ctx, "udp_sink_port", None) or start_udp_sink(ctx)
    ctx.dns_ports = {"direct": auth,
                     "dnsmasq": servers.start_dnsmasq_forwarder(w, ctx.workdir, auth),
                     "unbound": servers.start_unbound_forwarder(w, ctx.workdir, auth)}


def start_udp_sink(ctx):
    port = servers.free_port()
    ctx.world.spawn([ctx.tool, "listen-udp", "127.0.0.1", str(port)], os.path.join(ctx.workdir, "sink.log"))
    return port


def setup_scale(ctx):
    """--only scale: the server the sessions' upstream option names (a policy load asks it nothing)."""
    ctx.upstream_args = [f"--upstream=127.0.0.1:{servers.start_auth(ctx.world, ctx.workdir)}"]


def failfast_args(ctx):
    return ["--mode", "enforce", *ctx.upstream_args, f"--deny-cidr={NETNS_PEER}/32", "--deny=blocked.bench.test"]


def start_cordon_agents(ctx, specs):
    """cordon sessions, started together (their policy loads overlap); base-* ones run --cordon-base."""
    for name, args in specs.items():
        binary = ctx.cordon_base if name.startswith("base-") else ctx.cordon
        ctx.agents[name] = cordon_agent(ctx.world, name, ctx.workdir, binary, args)
    for name in specs:
        wait_ready(ctx.agents[name], ctx.cfg.session_start_s)


def setup_dns(ctx):
    """--only dns: the DNS servers and the cordon sessions the DNS cases use, nothing else."""
    start_dns_servers(ctx)
    small = ["--mode", "enforce", *ctx.upstream_args, *policies.cidr_flags(ctx.cfg.sizes[0])]
    specs = {"dns": small, "failfast": failfast_args(ctx)}
    if ctx.cordon_base:
        specs.update({"base-dns": small, "base-failfast": failfast_args(ctx)})
    start_cordon_agents(ctx, specs)
    ctx.failfast = {"cordon": ctx.agents["failfast"], "cordon-base": ctx.agents.get("base-failfast")}
    ctx.dns_cordon = {"cordon": ctx.agents["dns"], "cordon-base": ctx.agents.get("base-dns")}


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


def dns_round(ctx, rec, r):
    """The DNS cases: latency at fixed rates and saturation per target, RSS, a blocked name's time to fail."""
    cfg = ctx.cfg
    for names in ("cached", "unique"):
        for rate in cfg.dns_rates + [None]:
            for target in rotate(["direct", *ctx.cordon_targets(), "dnsmasq", "unbound"], r):
                dnscases.dnsperf(ctx, rec, target, names, rate)
    misccases.rss_after_load(ctx, rec)
    for v in rotate([f"{t}-blocked-name" for t in ctx.cordon_targets()] + ["dropped-dns"], r):
        misccases.failtime(ctx, rec, v)


def one_round(ctx, rec, r):
    cfg = ctx.cfg
    if ctx.only_dns:
        return dns_round(ctx, rec, r)
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
            for target in rotate(["direct", *ctx.cordon_targets(), "dnsmasq", "unbound"], r):
                dnscases.dnsperf(ctx, rec, target, names, rate)
    misccases.rss_after_load(ctx, rec)
    for v in rotate(["refused-connect", "cordon-blocked-connect", "nft-dropped-connect", "dropped-dns"]
                    + [f"{t}-blocked-name" for t in ctx.cordon_targets()], r):
        misccases.failtime(ctx, rec, v)
    for v in rotate(["true", "cordon"], r):
        misccases.startup(ctx, rec, v)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="bench/run", description="cordon's benchmarks against the alternatives")
    ap.add_argument("--quick", action="store_true", help="every case briefly (< 1 min): checks the harness, not the numbers")
    ap.add_argument("--rounds", type=int, help="rounds of interleaved runs (default 5)")
    ap.add_argument("--no-scale", action="store_true", help="skip the policy-scale case (the slowest)")
    ap.add_argument("--only", choices=["dns", "scale"], help="only these cases (dns: DNS latency and saturation, RSS, "
                    "a blocked name's time to fail; scale: the policy-scale case, once)")
    ap.add_argument("--cordon-base", help="another build's bin/cordon, measured beside this one in the same rounds "
                    "(its results as target cordon-base): an A/B comparison on one machine state")
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
    ctx = Context(world, cfg, workdir, a.tool, a.cordon, a.cordon_base, a.only == "dns")
    rec = report.Recorder()
    meta = {"date": stamp, "quick": a.quick, "only": a.only, "cordon_base": a.cordon_base, "config": cfg.__dict__,
            "machine": report.machine()}

    def on_signal(sig, _):
        raise KeyboardInterrupt(f"signal {sig}")
    signal.signal(signal.SIGTERM, on_signal)
    failed = None
    t0 = time.monotonic()
    try:
        if a.only == "scale":
            setup_scale(ctx)
        else:
            setup(ctx)
            print(f"bench: set up in {time.monotonic() - t0:.1f}s (work dir {workdir})", file=sys.stderr)
            for r in range(cfg.rounds):
                one_round(ctx, rec, r)
                print(f"bench: round {r + 1}/{cfg.rounds} done at {time.monotonic() - t0:.0f}s", file=sys.stderr)
        if a.only == "scale" or (not a.no_scale and not a.only):
            misccases.scale(ctx, rec)
    except BaseException as e:  # report, clean up, exit non-zero
        failed = e
        traceback.print_exc()
    finally:
        errors = world.close()
        for e in errors:
            print(f"bench: cleanup: {e}", file=sys.stderr)
    meta["elapsed_s"] = round(time.monotonic() - t0, 1)
    tgts = report.targets(rec, cfg, ctx.cordon_targets())
    if a.only:  # the other cases' targets have no numbers here
        tgts = [t for t in tgts if t["value"] is not None]
    rows = report.table(rec)
    print(report.format_table(rows, tgts))
    out = os.path.join(a.results, f"{stamp}.json")
    report.write_json(out, meta, rec, tgts)
    print(f"bench: wrote {out}", file=sys.stderr)
    try:
        if failed:
            raise ImportError("skipped: the run failed")
        if not a.only:  # the figures need every case
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
    if a.quick and not a.only:
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
