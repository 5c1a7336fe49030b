"""r_scale, the article split and the bundled data against R.

Tolerances: indices and sizes exact; scaling rtol 1e-12 (float64; R and NumPy may sum in a
different order, both accumulate in long double here so in practice they agree to the bit).
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from python_impl.data import DataError, FEATURES, bundled_meta, features_labels, load_gbsg
from python_impl.preprocess import ConstantColumnWarning, r_scale
from python_impl.split import article_split, r_setdiff

REF = json.loads((Path(__file__).parent / "reference" / "r_article_reference.json").read_text())
RTOL = 1e-12


def test_bundled_gbsg_shape_and_counts():
    df = load_gbsg()
    assert df.shape == (686, 11) and list(df.columns)[0] == "pid"
    assert df["status"].value_counts().to_dict() == {0: 387, 1: 299}  # design.md, measured in R


def test_bundled_gbsg_sha_mismatch_is_refused(tmp_path, monkeypatch):
    import python_impl.data as d

    bad = tmp_path / "gbsg.csv"
    bad.write_text(d.bundled_path().read_text().replace("132,49", "132,50", 1))
    (tmp_path / "gbsg.meta.json").write_text(json.dumps(bundled_meta()))
    monkeypatch.setattr(d, "_data_dir", lambda: tmp_path)
    with pytest.raises(DataError, match="sha256"):
        d.load_gbsg()


def test_article_form_loads_like_r_form(tmp_path):
    """The article's printout: 10 columns, no pid, factor status written as "0"/"1"."""
    df = load_gbsg()
    art = df.drop(columns="pid").assign(status=df["status"].astype(str))
    p = tmp_path / "article_form.csv"
    art.to_csv(p, index=False, quoting=1)
    got = load_gbsg(p)
    np.testing.assert_array_equal(features_labels(got)[0], features_labels(df)[0])
    np.testing.assert_array_equal(features_labels(got)[1], features_labels(df)[1])


def test_scaling_center_scale_equal_r():
    _, center, scale = r_scale(features_labels(load_gbsg())[0])
    np.testing.assert_allclose(center, REF["center"], rtol=RTOL, atol=0)
    np.testing.assert_allclose(scale, REF["scale"], rtol=RTOL, atol=0)


def test_scaled_values_equal_r():
    scaled, _, _ = r_scale(features_labels(load_gbsg())[0])
    want = np.asarray(REF["scaled_rows_1_3_colmajor"]).reshape(8, 3).T  # R prints column-major
    np.testing.assert_allclose(scaled[:3], want, rtol=RTOL, atol=1e-15)


def test_scaling_uses_n_minus_1_not_population_sd():
    x = features_labels(load_gbsg())[0]
    _, _, scale = r_scale(x)
    np.testing.assert_allclose(scale / x.std(axis=0, ddof=0), np.sqrt(686 / 685), rtol=1e-13)


def test_scaling_constant_column_gives_nan_with_warning():
    x = np.column_stack([np.arange(5.0), np.full(5, 3.0)])
    with pytest.warns(ConstantColumnWarning, match="NaN"):
        scaled, _, scale = r_scale(x)
    assert scale[1] == 0 and np.isnan(scaled[:, 1]).all() and np.isfinite(scaled[:, 0]).all()


@pytest.mark.requires_r
def test_scaling_equals_live_r_on_random_matrix():
    from r_reference.availability import run_rscript

    g = np.random.default_rng()
    x = np.round(g.normal(size=(57, 4)) * g.uniform(0.1, 1e4, size=4), 3)
    rows = ", ".join(f"{v:.17g}" for v in x.T.reshape(-1))
    out = run_rscript(f"s <- scale(matrix(c({rows}), nrow=57)); cat(sprintf('%.17g', c(attr(s,'scaled:center'), "
                      "attr(s,'scaled:scale'), s)))")
    vals = np.array([float(v) for v in out.split()])
    scaled, center, scale = r_scale(x)
    np.testing.assert_allclose(center, vals[:4], rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(scale, vals[4:8], rtol=RTOL)
    np.testing.assert_allclose(scaled, vals[8:].reshape(4, 57).T, rtol=RTOL, atol=1e-13)


def test_split_sizes_are_r_truncated():
    assert article_split(686).sizes() == (480, 102, 104)
    assert article_split(100).sizes() == (70, 15, 15)
    assert article_split(31).sizes() == (21, 4, 6)  # 0.7*31 = 21.7 -> 21, 0.15*31 = 4.65 -> 4


def test_split_indices_equal_r():
    s = article_split(686)
    np.testing.assert_array_equal(s.train, REF["train_indices"])
    np.testing.assert_array_equal(s.val, REF["val_indices"])
    np.testing.assert_array_equal(s.test, REF["test_indices"])


def test_split_partitions_all_rows():
    s = article_split(686)
    np.testing.assert_array_equal(np.sort(np.concatenate([s.train, s.val, s.test])), np.arange(1, 687))


def test_r_setdiff_keeps_first_occurrence_order():
    np.testing.assert_array_equal(r_setdiff([5, 3, 5, 1, 9, 3], [9]), [5, 3, 1])


@pytest.mark.requires_r
@pytest.mark.parametrize("n,seed", [(31, 1), (250, 77), (686, 2024), (1500, -9)])
def test_split_equals_live_r_for_other_sizes_and_seeds(n, seed):
    from r_reference.availability import run_rscript

    out = run_rscript(f"set.seed({seed}); n <- {n}; tr <- sample(x = 1:n, size = 0.7 * n, replace = FALSE); "
                      "va <- sample(setdiff(1:n, tr), size = 0.15 * n, replace = FALSE); "
                      "te <- setdiff(setdiff(1:n, tr), va); cat(tr, '\\n', va, '\\n', te, '\\n')")
    tr, va, te = ([int(v) for v in ln.split()] for ln in out.strip().splitlines())
    s = article_split(n, seed)
    np.testing.assert_array_equal(s.train, tr)
    np.testing.assert_array_equal(s.val, va)
    np.testing.assert_array_equal(s.test, te)
