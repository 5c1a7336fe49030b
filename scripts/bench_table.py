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
    for b in sorted(doc["benchmarks"], key=lambda b: (b["group"] or "", b["name"])):
        info = b.get("extra_info", {})
        tps = info.get("trainings_per_s")
        ratio = info.get("speedup_vs_keras_fit")
        if ratio is None and keras_s and tps:
            ratio = tps * keras_s
        rows.append(f"| {b['group']} | {b['name'].removeprefix('test_')} | {b['stats']['median']:.4g} | "
                    f"{'' if tps is None else f'{tps:,.1f}'} | "
                    f"{'' if info.get('samples_per_s') is None else f'{info['samples_per_s']:.3g}'} | "
                    f"{'' if ratio is None else f'{ratio:,.0f}x' if ratio >= 10 else f'{ratio:.2f}x'} |")
    m = doc.get("machine_info", {})
    return "\n".join(rows) + f"\n\n{doc.get('datetime', '')}, {m.get('cpu', {}).get('brand_raw', '')}, " \
                             f"{m.get('cpu', {}).get('count', '')} cores"


if __name__ == "__main__":
    print(table(json.load(open(sys.argv[1]))))
