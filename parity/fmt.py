"""Number and HTML formatting shared by the report renderers and the cases' section renderers."""
from __future__ import annotations

import base64
import html
import math
from typing import Any

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def e(s: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(s), quote=True)


def isnum(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def f(v: Any, digits: int = 3) -> str:
    """A number with `digits` decimals; n/a for None/NaN."""
    if v is None:
        return "n/a"
    if isnum(v):
        v = float(v)
        if math.isnan(v):
            return "n/a"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return f"{v:.{digits}f}"
    return str(v)


def pct(v: Any, digits: int = 1) -> str:
    return "n/a" if v is None or (isnum(v) and math.isnan(float(v))) else f"{100 * float(v):.{digits}f}%"


def p(v: Any) -> str:
    """A p-value: 3 significant digits, scientific below 1e-3."""
    if v is None or (isnum(v) and math.isnan(float(v))):
        return "n/a"
    v = float(v)
    return f"{v:.3g}" if v >= 1e-3 else f"{v:.2e}"


def sd(vals) -> float:
    a = np.asarray(vals, dtype=float)
    a = a[np.isfinite(a)]
    return float(a.std(ddof=1)) if a.size > 1 else float("nan")


def mean(vals) -> float:
    a = np.asarray(vals, dtype=float)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else float("nan")


def data_uri(png: bytes) -> str:
    if not isinstance(png, (bytes, bytearray)) or not bytes(png).startswith(PNG_SIGNATURE):
        raise ValueError("figure is not PNG bytes")
    return "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii")


def num(s: str) -> tuple[str, str]:
    """A right-aligned numeric table cell."""
    return (e(s), "num")


def table(head: list[str], rows: list[list]) -> str:
    """An HTML table; a cell is text (escaped) or (html, css class) already formatted."""
    out = ["<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    for r in rows:
        cells = []
        for c in r:
            if isinstance(c, tuple):
                cells.append(f'<td class="{c[1]}">{c[0]}</td>')
            else:
                cells.append(f"<td>{e(c)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def figure(png: bytes, alt: str, caption: str) -> str:
    return (f'<figure><img alt="{e(alt)}" src="{data_uri(png)}"><figcaption>{e(caption)}</figcaption></figure>')


def md(s: Any) -> str:
    """Text safe inside a markdown table cell."""
    return str(s).replace("|", "\\|").replace("\n", " ")
