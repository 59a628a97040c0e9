"""connect() latency, unconnected sendto rate, iperf3 through the veth pair: one measurement per call."""
import json

from .policies import nft_set_body
from .world import NETNS_PEER

CONNECT_PORT, SINK_PORT, HTTP_PORT, IPERF_PORT = 5001, 5002, 5004, 5201  # misccases: 5003 dropped, 5009 refused
EGRESS_RATE_MBIT = 100  # the --egress-rate session: does TCP settle at the cap?
EGRESS_RATE_AGENT = f"rate-{EGRESS_RATE_MBIT}mbit"
REQUEST_HOST = "bench.test"  # a name the bench's policies allow: the check reads it, looks it up, lets it pass


def no_first_bytes(variant):
    """The agent that runs variant's policy with --no-first-bytes: the check's cost is the ratio of the two."""
    return f"{variant}-no-first-bytes"


def _json(what, rc, out, err):
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"{what}: exit {rc}, no result: {err.strip()[:300]}")


def connect(ctx, rec, variant):
    """One connect loop in variant's executor; nft-N variants load their table just for it."""
    ex = ctx.executor(variant)
    drop_table = None
    if variant.startswith("nft-"):
        n = int(variant.split("-")[1])
        drop_table = ctx.world.nft_table("connect", nft_set_body(n, ctx.nft_cgroup_rel))
    try:
        rc, out, err = ex.run([ctx.tool, "connect", NETNS_PEER, str(CONNECT_PORT), str(ctx.cfg.connect_n)], timeout=120)
    finally:
        if drop_table:
            drop_table()
    r = _json(f"connect ({variant})", rc, out, err)
    if r["errors"]:
        raise RuntimeError(f"connect ({variant}): {r['errors']} of {ctx.cfg.connect_n} failed ({r['errno']})")
    for m in ("p50_us", "p99_us", "mean_us"):
        rec.add("connect", variant, m, r[m])


def request(ctx, rec, variant):
    """Connect, send one HTTP request (the first bytes the check reads), read the answer: per connection."""
    rc, out, err = ctx.executor(variant).run(
        [ctx.tool, "request", NETNS_PEER, str(HTTP_PORT), str(ctx.cfg.request_n), REQUEST_HOST], timeout=120)
    r = _json(f"request ({variant})", rc, out, err)
    if r["errors"]:
        raise RuntimeError(f"request ({variant}): {r['errors']} of {ctx.cfg.request_n} failed ({r['errno']})")
    for m in ("p50_us", "p99_us", "mean_us"):
        rec.add("request", variant, m, r[m])


def sendto(ctx, rec, variant):
    rc, out, err = ctx.executor(variant).run(
        [ctx.tool, "sendto", NETNS_PEER, str(SINK_PORT), str(ctx.cfg.sendto_secs), "64"], timeout=60)
    r = _json(f"sendto ({variant})", rc, out, err)
    if r["errors"]:
        raise RuntimeError(f"sendto ({variant}): {r['errors']} sends failed ({r['errno']})")
    rec.add("sendto", variant, "pps", r["pps"])


def iperf(ctx, rec, variant, proto):
    argv = ["iperf3", "-c", NETNS_PEER, "-p", str(IPERF_PORT), "-t", str(ctx.cfg.iperf_secs), "-J"]
    if proto == "udp":
        argv += ["-u", "-b", "0", "-l", "64"]  # small packets, as fast as the sender can
    rc, out, err = ctx.executor(variant).run(argv, timeout=ctx.cfg.iperf_secs + 30)
    try:
        r = json.loads(out)
    except ValueError:
        raise RuntimeError(f"iperf3 {proto} ({variant}): exit {rc}: {err.strip()[:300]}")
    if "error" in r:
        raise RuntimeError(f"iperf3 {proto} ({variant}): {r['error']}")
    end = r["end"]
    if proto == "tcp":
        rec.add("iperf-tcp", variant, "gbit_s", end["sum_received"]["bits_per_second"] / 1e9)
    else:
        s = end["sum"]
        rec.add("iperf-udp64", variant, "sent_kpps", s["packets"] / s["seconds"] / 1e3)
        rec.add("iperf-udp64", variant, "recv_kpps", (s["packets"] - s["lost_packets"]) / s["seconds"] / 1e3)
