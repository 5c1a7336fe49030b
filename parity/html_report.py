"""report.html: one self-contained page (inline CSS, figures as base64 `data:image/png` URIs, no
external resources, no JavaScript), rendered with jinja2 (`templates/report.html.j2`, autoescaped)
from the report dict alone, so it can be regenerated from report.json. `reproduction_markdown`
gives the same published-values section for report.md.

Generic parts: the summary, the first divergence (and why), the checks, the published values
against the distributions with their histograms, and R's own plot. A case's report sections are
rendered by the case: its [[section]] module may define `<function>_html(data, report)`,
`<function>_markdown(data, report)` (strings) beside the section function.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from parity.fmt import PNG_SIGNATURE, data_uri, e as _e, f as _f, md as _md, p as _p, pct as _pct  # noqa: F401

STATUS_ORDER = ("PASS", "WARN", "FAIL", "SKIP", "INFO")

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;
     background:#f6f7f9;color:#1d2330;line-height:1.45}
main{max-width:1220px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:1.7em;margin:.2em 0 .3em;color:#10234a} h2{margin-top:1.8em;border-bottom:2px solid #d8dee9;
     padding-bottom:4px;color:#10234a} h3{margin-bottom:.3em;color:#243b6b}
.sub{color:#5a6577;margin-top:0}
.badges span{display:inline-block;padding:6px 14px;margin:4px 8px 4px 0;border-radius:16px;font-weight:600}
.PASS{background:#dff3e4;color:#17612c}.WARN{background:#fff1cc;color:#7a5300}
.FAIL{background:#fbdada;color:#9b1422}.SKIP{background:#e6e9ef;color:#4a5568}.INFO{background:#e3eefc;color:#1f4f99}
.banner{padding:10px 14px;margin:10px 0 14px;border-radius:4px}.DIVERGE{background:#fdecec;border-left:5px solid #c0122c}
.FAILBANNER{background:#fff1cc;border-left:5px solid #d99a00}.OK{background:#e6f5ea;border-left:5px solid #2a9d4b}
code.cmd{white-space:nowrap}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:.9em}
th,td{border:1px solid #d8dee9;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef2f8} tr:nth-child(even) td{background:#fafbfd}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.status{font-weight:700;text-align:center}
.sentence{background:#f1f5fb;border-left:4px solid #3b6fc4;padding:8px 12px;margin:6px 0 10px}
.note{background:#fff7e0;border-left:4px solid #d99a00;padding:8px 12px}
figure{margin:12px 0 24px} figure img{max-width:100%;border:1px solid #d8dee9}
figcaption{color:#46505f;font-size:.92em;margin-top:4px}
.pair{display:flex;gap:18px;flex-wrap:wrap}.pair figure{flex:1 1 520px}
code{background:#eef1f5;padding:1px 4px;border-radius:3px;font-size:.92em}
.unusual{color:#9b1422;font-weight:700}.consistent{color:#17612c;font-weight:700}
footer{color:#7a8494;font-size:.85em;margin-top:40px}
"""

CAPTIONS = {"metric_histograms": "Each published metric over the runs of each side (as shares of each sample); "
                                 "the dashed line marks the published value."}


def _metric_label(rep: dict, m: str) -> str:
    return ((rep.get("published") or {}).get(m) or {}).get("label") or m


def _sample_label(rep: dict, src: str) -> str:
    return ((rep.get("samples") or {}).get(src) or {}).get("label", src)


def options_line(report: dict) -> str:
    o = report.get("options") or {}
    parts = []
    if o.get("seed") is not None:
        parts.append(f"shared seed {o['seed']}")
    if o.get("python_runs"):
        parts.append(f"{o['python_runs']} Python runs ({'python_many' if o.get('use_many', True) else 'run() per seed'})")
    if o.get("r_runs"):
        parts.append(f"{o['r_runs']} R runs for the distributions")
    if o.get("distribution_seed") is not None:
        parts.append(f"distributions seeded from {o['distribution_seed']}")
    if o.get("data_path"):
        parts.append(f"data {o['data_path']}")
    if o.get("use_r") is False:
        parts.append("R disabled")
    return "; ".join(parts)


def _stats_rows(rep: dict):
    stats, verdicts = rep.get("stats") or {}, rep.get("verdicts") or {}
    rows, methods = [], {}
    for src, by_m in stats.items():
        for m, d in by_m.items():
            v = (verdicts.get(src) or {}).get(m) or {}
            words = v.get("words", "n/a")
            method = v.get("method", "")
            n = methods.setdefault(method, len(methods) + 1)
            dec = d.get("decimals")
            rows.append({"sample": _sample_label(rep, src), "metric": _metric_label(rep, m),
                         "nums": [_f(d.get("published"), dec if dec is not None else 4), str(d.get("n")),
                                  _f(d.get("mean"), 4), _f(d.get("sd"), 4),
                                  f"{_f(d.get('p2_5'), 3)} - {_f(d.get('p97_5'), 3)}",
                                  _f(d.get("percentile_of_published"), 1), _pct(d.get("share_within")),
                                  _f(v.get("statistic"), 2), _p(v.get("p_value"))],
                         "words": words, "cls": "unusual" if words == "unusual" else "consistent", "note": n})
    near = next((d.get("near") for by_m in stats.values() for d in by_m.values()), 0.01)
    return rows, [{"n": n, "text": t} for t, n in methods.items() if t], near


def _witness_rows(rep: dict) -> list:
    rows = []
    for src, by_m in (rep.get("witnesses") or {}).items():
        for m, w in by_m.items():
            seeds = w.get("seeds", [])
            rows.append({"sample": _sample_label(rep, src),
                         "metric": "all published metrics" if m == "all" else _metric_label(rep, m),
                         "criterion": w.get("criterion", ""), "found": f"{w.get('n_found', 0)}/{w.get('n_searched', 0)}",
                         "share": _pct(w.get("share")),
                         "seeds": (", ".join(str(x) for x in seeds[:20]) + (" ..." if len(seeds) > 20 else "")) or "none",
                         "commands": w.get("commands", [])[:3]})
    return rows


def section_renderer(report: dict, name: str, kind: str):
    """The case's renderer for one report section (`<function>_<kind>` beside the section's
    function), or None when the case file or the function is not there."""
    sec = (report.get("sections") or {}).get(name) or {}
    case_file = (report.get("meta") or {}).get("case_file")
    spec = sec.get("python")
    if not case_file or not spec or not Path(case_file).is_file():
        return None
    try:
        from parity.case import import_case_module, load_case

        case = load_case(case_file)
        module, fn = spec.split(":")
        return getattr(import_case_module(case, module), f"{fn}_{kind}", None)
    except Exception:  # noqa: BLE001 - a report renders without a section rather than not at all
        return None


def _sections_html(report: dict) -> list:
    from markupsafe import Markup

    out = []
    for name, sec in (report.get("sections") or {}).items():
        fn = section_renderer(report, name, "html")
        if fn is None:
            continue
        try:
            body = Markup(fn(sec.get("data") or {}, report))
        except Exception as e:  # noqa: BLE001 - a section's renderer never costs the whole report
            from parity.fmt import e as esc

            body = Markup(f'<p class="note">This section could not be rendered ({esc(type(e).__name__)}: '
                          f"{esc(e)}); its numbers are in report.json.</p>")
        out.append({"title": name.replace("_", " ").capitalize(), "html": body})
    return out


def render_html(report: dict, figures: dict[str, bytes] | None = None, r_plot_png: bytes | None = None) -> str:
    """The self-contained report page. `figures`: {key: PNG bytes} (default: the histograms of
    the published metrics, from the report); `r_plot_png`: the R script's own plot, or None."""
    import jinja2

    from parity.figures import reproduction_figures

    if figures is None:
        try:
            figures = reproduction_figures(report)
        except Exception:  # noqa: BLE001 - a figure that cannot be drawn is left out, never a crash
            figures = {}
    figures = dict(figures)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).with_name("templates"))),
                             autoescape=True, undefined=jinja2.ChainableUndefined)
    case = report.get("case") or {}
    rep = report.get("reproduction") or {}
    stats_rows, methods, near = _stats_rows(rep) if rep else ([], [], 0.01)
    meta = report.get("meta") or {}
    errs = report.get("side_errors") or {}
    side_banner = [(k, v.splitlines()[0] if v else "") for k, v in errs.items()
                   if k in ("r", "py", "r_runs", "py_runs")]
    return env.get_template("report.html.j2").render(
        title=f"Parity audit: {case.get('title') or case.get('name') or 'R vs Python'}",
        css=CSS, case={**case, "file": meta.get("case_file")}, statuses=STATUS_ORDER,
        summary=report.get("summary") or {}, options_line=options_line(report), side_banner=side_banner,
        first=report.get("first_divergence"), checks=report.get("checks") or [], repro=rep or None,
        stats_rows=stats_rows, methods=methods, near=near, witness_rows=_witness_rows(rep) if rep else [],
        figures=[(k, data_uri(v)) for k, v in figures.items()], captions=CAPTIONS,
        r_plot=data_uri(r_plot_png) if r_plot_png else None, sections=_sections_html(report), meta=meta,
        versions=", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items()))


def reproduction_markdown(report: dict) -> str:
    """The "Published values vs the distributions" section of report.md ("" when none)."""
    rep = report.get("reproduction") or {}
    if not rep:
        return ""
    L = ["## Published values vs the distributions", ""]
    for m, p in (rep.get("published") or {}).items():
        L.append(f"- published {p.get('label') or m}: {p.get('value')}" + (f" ({p['source']})" if p.get("source") else ""))
    L.append("")
    rows, methods, near = _stats_rows(rep)
    if rows:
        L += [f"| sample | metric | published | n | mean | sd | 95% range | percentile of published | share within ±{near} "
              "| z | p | verdict | test |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            L.append("| " + " | ".join(_md(x) for x in (r["sample"], r["metric"], *r["nums"], r["words"],
                                                          f"[{r['note']}]")) + " |")
        L.append("")
        L += [f"[{m['n']}] {m['text']}" for m in methods]
        L.append("")
    wit = _witness_rows(rep)
    if wit:
        L += ["### Witness seeds", ""]
        for w in wit:
            L.append(f"- {w['sample']}, {w['metric']} (`{w['criterion']}`): {w['found']} runs ({w['share']})"
                     + (f": {w['seeds']}" if w["seeds"] != "none" else ""))
            for c in w["commands"]:
                L.append(f"  - `{c}`")
        L.append("")
    return "\n".join(L)
