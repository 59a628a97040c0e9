"""Renders a results JSON as the Markdown tables of BENCHMARKS.md:
    /usr/bin/python3 -m cordonbench.markdown bench/results/DATE.json"""
import json
import sys

from .report import BASELINE


def render(doc):
    med = {(s["case"], s["variant"], s["metric"]): s for s in doc["samples"]}
    out = ["| target | measured | limit | verdict |", "|---|---|---|---|"]
    for t in doc["targets"]:
        v = "–" if t["value"] is None else f"{t['value']:.3f} {t['unit']}"
        verdict = "n/a" if t["pass"] is None else ("pass" if t["pass"] else "**miss**")
        out.append(f"| {t['target']} | {v} | {t['limit']} {t['unit']} | {verdict} |")
    out += ["", "| case | variant | metric | median | ratio vs baseline | runs |", "|---|---|---|---|---|---|"]
    for (case, variant, metric), s in sorted(med.items()):
        base = med.get((case, BASELINE.get(case, ""), metric))
        ratio = f"{s['median'] / base['median']:.3f}" if base and base["median"] and variant != BASELINE.get(case) else ""
        out.append(f"| {case} | {variant} | {metric} | {s['median']:.4g} | {ratio} | {len(s['values'])} |")
    return "\n".join(out)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(render(json.load(f)))
