"""The article's R code as a fixture: where it comes from and how to check it is verbatim.

`article.R` holds the R code of sections 4.1-4.4 of the article, copied line for line, under a
header naming the source. `extract_article_code` pulls those code lines out of the article text
(the same rule a reader applies: the lines under each section heading up to the printed output
("结果展示:"), a figure ("640.png") or the next heading), so a test can prove the fixture
has not drifted from the article.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

ARTICLE_FILE = "000_86c55f629eb23acd.txt"
ARTICLE_TITLE = "机器学习-深度学习:如何使用卷积神经网络精准诊断?"
SECTIONS = ("4.1", "4.2", "4.3", "4.4")
FIXTURE = Path(__file__).with_name("article.R")
HEADER_END = "# ---- end of header; below: the article's code, verbatim ----"

_HEADING = re.compile(r"^(\d+\.\d+) \S")  # "4.2 数据预处理"
_CHAPTER = re.compile(r"^[一二三四五六七八九十]+、")  # "五、总结"
_STOP = re.compile(r"^(结果展示[::]?|\S+\.(png|jpg|jpeg|gif))\s*$")


def article_candidates() -> list[Path]:
    """Where the article text may be: $GBSG_ARTICLE, then `shared/seed/` in or beside the repo."""
    root = Path(__file__).resolve().parents[2]
    out = []
    if os.environ.get("GBSG_ARTICLE"):
        out.append(Path(os.environ["GBSG_ARTICLE"]))
    out += [root / "shared" / "seed" / ARTICLE_FILE, root.parent / "shared" / "seed" / ARTICLE_FILE]
    return out


def find_article() -> Path | None:
    return next((p for p in article_candidates() if p.is_file()), None)


def extract_article_code(text: str, sections=SECTIONS) -> dict[str, list[str]]:
    """{section: [code lines]} for the given sections of the article text (blank lines dropped)."""
    out: dict[str, list[str]] = {}
    current = None
    collecting = False
    for line in text.splitlines():
        m = _HEADING.match(line)
        if m or _CHAPTER.match(line):
            current = m.group(1) if m else None
            collecting = current in sections
            if collecting:
                out.setdefault(current, [])
            continue
        if not collecting:
            continue
        if _STOP.match(line.strip()):
            collecting = False
            continue
        if line.strip():
            out[current].append(line.rstrip())
    missing = [s for s in sections if not out.get(s)]
    if missing:
        raise ValueError(f"no R code found under section(s) {missing} of the article")
    return out


def fixture_header(path: Path = FIXTURE) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[: lines.index(HEADER_END) + 1]


def fixture_code_lines(path: Path = FIXTURE) -> list[str]:
    """The fixture's code lines below the header (blank lines dropped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    body = lines[lines.index(HEADER_END) + 1:]
    return [ln.rstrip() for ln in body if ln.strip()]
