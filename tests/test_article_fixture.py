"""cases/article/article.R is the article's R code, verbatim (no R needed)."""
from __future__ import annotations

import pytest

from parity.case import bundled_module

_fx = bundled_module("article", "fixture")
ARTICLE_FILE, ARTICLE_TITLE, FIXTURE, HEADER_END, SECTIONS = (_fx.ARTICLE_FILE, _fx.ARTICLE_TITLE, _fx.FIXTURE,
                                                              _fx.HEADER_END, _fx.SECTIONS)
extract_article_code, find_article = _fx.extract_article_code, _fx.find_article
fixture_code_lines, fixture_header = _fx.fixture_code_lines, _fx.fixture_header

ARTICLE = find_article()
needs_article = pytest.mark.skipif(ARTICLE is None, reason=f"article text {ARTICLE_FILE} not found "
                                   "(set GBSG_ARTICLE=/path/to/it)")


@pytest.fixture(scope="module")
def article_code() -> dict[str, list[str]]:
    return extract_article_code(ARTICLE.read_text(encoding="utf-8"))


@needs_article
def test_fixture_code_equals_the_articles_code_lines(article_code):
    expected = [line for s in SECTIONS for line in article_code[s]]
    got = fixture_code_lines()
    assert got == expected, next(
        (f"line {i}: fixture {g!r} != article {e!r}" for i, (g, e) in enumerate(zip(got, expected)) if g != e),
        f"fixture has {len(got)} code lines, the article {len(expected)}")


@needs_article
def test_extraction_finds_what_a_reader_sees(article_code):
    # Guards the extractor itself: known first/last lines per section, printed output excluded.
    assert article_code["4.1"] == ["library(survival)", "str(gbsg)"]
    assert article_code["4.2"][:2] == ["library(survival)", "data <- gbsg"]
    assert article_code["4.2"][-1] == "test_labels <- labels[test_indices]"
    assert article_code["4.3"][:3] == ['install.packages("reticulate")', "library(reticulate)", "library(keras)"]
    assert article_code["4.3"][-1] == "print(test_loss)"
    assert article_code["4.4"][-1].startswith('plot(roc_obj, col = "blue"')
    flat = [line for s in SECTIONS for line in article_code[s]]
    assert not any("0.6172654" in line or line.startswith(" $ ") for line in flat)  # output, not code
    assert [len(article_code[s]) for s in SECTIONS] == [2, 18, 28, 8]
    assert "# 构建CNN模型" in flat  # Chinese comments kept


def test_fixture_header_names_its_source():
    header = "\n".join(fixture_header())
    assert ARTICLE_FILE in header and ARTICLE_TITLE in header
    assert all(s in header for s in SECTIONS)
    assert all(line.startswith("#") for line in fixture_header())
    text = FIXTURE.read_text(encoding="utf-8")
    assert text.count(HEADER_END) == 1
    # the lines the harness must cope with are there, untouched
    for needle in ('install.packages("reticulate")', "library(keras)", "print(test_loss)",
                   'install.packages("pROC")', "plot(roc_obj, "):
        assert needle in text


def test_extractor_rejects_text_without_code():
    with pytest.raises(ValueError, match="no R code"):
        extract_article_code("4.1 数据集简介\n\n结果展示:\n", sections=("4.1",))
