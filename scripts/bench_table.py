"""Markdown table of a pytest-benchmark JSON: trainings/s and the ratio to Keras fit measured
in the same run (the machine is shared and noisy: only same-run ratios are comparable).

Usage: .venv/bin/python scripts/bench_table.py reports/bench/latest.json
"""
from __future__ import annotations

import json
import sys


def table(doc: dict) -> str:
    rows = ["| group | benchmark | median s | trainings/s | samples/s | x Keras fit (same run) |",
            "|---|---|---|---|---|---|"]
    keras_s = next((b["stats"]["median"] for b in doc["benchmarks"] if b["name"] == "test_keras_fit"), None)
    def order(b):  # keras_fit first (the reference), then natural order of the parameter
        import re

        m = re.match(r"(.*?)\[(\d+)\]$", b["name"])
        base, n = (m.group(1), int(m.group(2))) if m else (b["name"], -1)
        return (b["group"] or "", base != "test_keras_fit", base, n)

    for b in sorted(doc["benchmarks"], key=order):
        info = b.get("extra_info", {})
        tps = info.get("trainings_per_s")
        ratio = info.get("speedup_vs_keras_fit")
        if ratio is None and keras_s and tps:
            ratio = tps * keras_s
        sps = info.get("samples_per_s")
        cells = [b["group"], b["name"].removeprefix("test_"), f"{b['stats']['median']:.4g}",
                 "" if tps is None else f"{tps:,.1f}", "" if sps is None else f"{sps:.3g}",
                 "" if ratio is None else (f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2f}x")]
        rows.append("| " + " | ".join(cells) + " |")
    m = doc.get("machine_info", {})
    return "\n".join(rows) + f"\n\n{doc.get('datetime', '')}, {m.get('cpu', {}).get('brand_raw', '')}, " \
                             f"{m.get('cpu', {}).get('count', '')} cores"


if __name__ == "__main__":
    print(table(json.load(open(sys.argv[1]))))
