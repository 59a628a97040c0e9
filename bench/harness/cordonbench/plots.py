"""Figures (SVG) from one run's medians: connect latency, DNS latency and saturation, fail times, scale."""
import os

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt  # noqa: E402


def _bar(ax, labels, values, title, ylabel):
    ax.bar(range(len(values)), values, color="#4c72b0")
    ax.set_xticks(range(len(values)), labels, rotation=35, ha="right", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)


def draw(rec, cfg, outdir, stamp):
    m = rec.median
    files = []

    def save(fig, name):
        path = os.path.join(outdir, f"{stamp}-{name}.svg")
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
        files.append(path)

    variants = ["bare", "cgroup"] + [f"{p}-{n}" for n in cfg.sizes for p in ("nft", "audit", "enforce")]
    fig, ax = plt.subplots(figsize=(8, 4))
    vals = [m("connect", v, "p50_us") or 0 for v in variants]
    _bar(ax, variants, vals, "TCP connect() p50 (veth into a netns)", "µs")
    save(fig, "connect")

    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    targets = ["direct", "cordon", "dnsmasq", "unbound"]
    for names, style in (("cached", "-"), ("unique", "--")):
        for t in targets:
            for p, ax in (("p50", axes[0]), ("p99", axes[1])):
                ys = [m(f"dns-{names}", t, f"{p}_us@{r}") for r in cfg.dns_rates]
                ax.plot(cfg.dns_rates, [y or 0 for y in ys], style, marker="o", label=f"{t} ({names})")
    for p, ax in (("p50", axes[0]), ("p99", axes[1])):
        ax.set_title(f"DNS latency {p} at a fixed rate", fontsize=10)
        ax.set_xlabel("queries/s")
        ax.set_ylabel("µs")
    axes[1].legend(fontsize=7)
    labels = [f"{t}\n{n}" for n in ("cached", "unique") for t in targets]
    vals = [(m(f"dns-{n}", t, "max_qps") or 0) / 1e3 for n in ("cached", "unique") for t in targets]
    _bar(axes[2], labels, vals, "DNS at saturation", "k queries/s")
    save(fig, "dns")

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    fails = ["refused-connect", "cordon-blocked-connect", "cordon-blocked-name", "nft-dropped-connect", "dropped-dns"]
    vals = [(m("time-to-fail", v, "p50_us") or 0) / 1e3 for v in fails]
    _bar(axes[0], fails, vals, f"time to fail, p50 (drops capped at {cfg.drop_cap_ms} ms)", "ms")
    axes[0].set_yscale("log")
    st = [("true", m("startup", "true", "wall_ms") or 0), ("cordon run -- true", m("startup", "cordon", "wall_ms") or 0)]
    _bar(axes[1], [s[0] for s in st], [s[1] for s in st], "start-up (wall)", "ms")
    axes[1].axhline(250, color="red", lw=0.8, ls=":")
    save(fig, "fail-startup")

    fig, ax = plt.subplots(figsize=(7, 4))
    for how in ("check-file", "run-file", "run-options"):
        for kind in ("cidr", "domain"):
            pts = [(n, m("scale", f"{how}-{kind}-{n}", "wall_s") or m("scale", f"{how}-{kind}-{n}", "capped_s"))
                   for n in cfg.scale_sizes]
            pts = [p for p in pts if p[1]]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"{how} {kind}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rules")
    ax.set_ylabel("wall s (points at the cap did not finish)")
    ax.set_title("policy scale", fontsize=10)
    ax.legend(fontsize=7)
    save(fig, "scale")
    return files
