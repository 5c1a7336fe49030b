"""Reproduction audit (issue 5): statistics, witnesses and verdicts on synthetic data with known
answers; baselines and methodology findings on the real bundled gbsg data, each compared with an
independent computation (NumPy/pandas/scikit-learn directly), not with typed-in literals."""
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from parity import reproduction
from parity.case import bundled_module
from parity.reproduction import describe, find_witnesses, verdict
from python_impl.data import FEATURES, features_labels, load_gbsg
from python_impl.split import article_split

baselines = bundled_module("article", "baselines")
findings = bundled_module("article", "findings")
PUBLISHED = {"test_accuracy": {"value": 0.6442308, "decimals": 7, "label": "accuracy"},
             "auc": {"value": 0.717, "decimals": 3, "label": "AUC"}}


@pytest.fixture(scope="module")
def gbsg():
    df = load_gbsg()
    x, y = features_labels(df)
    return df, x, y, article_split(len(df), 123)


# ---------------------------------------------------------------- describe
def test_describe_known_answers():
    d = describe(np.arange(100), 50)
    assert d["n"] == 100
    assert d["mean"] == 49.5
    assert d["sd"] == pytest.approx(math.sqrt(sum((i - 49.5) ** 2 for i in range(100)) / 99))
    assert d["percentile_of_published"] == 50.5  # (50 strictly below + 51 at-or-below) / 2
    assert (d["p2_5"], d["median"], d["p97_5"]) == pytest.approx((2.475, 49.5, 96.525))
    assert d["share_within"] == 0.01  # only the value 50 is within 0.01
    assert (d["min"], d["max"], d["published"]) == (0, 99, 50)


def test_describe_share_on_accuracy_grid_and_nans():
    vals = np.array([66, 67, 68, 69, np.nan]) / 104  # 66/104 and 68/104 are 0.0096 away
    raw = describe(vals, PUBLISHED["test_accuracy"]["value"])
    assert raw["n"] == 4
    assert raw["share_within"] == 0.75
    # raw: 67/104 = 0.64423077 < 0.6442308 (the printed value was rounded up): 2 values below
    assert raw["percentile_of_published"] == 50.0
    # at the printed precision 67/104 is a tie: (1 below + 2 at-or-below) / 2 of 4
    printed = describe(vals, PUBLISHED["test_accuracy"]["value"], decimals=7)
    assert printed["percentile_of_published"] == 37.5
    assert printed["mean"] == raw["mean"] and printed["share_within"] == 0.75
    assert describe([], 0.5)["n"] == 0 and math.isnan(describe([], 0.5)["mean"])


# ---------------------------------------------------------------- witnesses
def test_find_witnesses_picks_exactly_the_constructed_seeds():
    rng = np.random.default_rng(7)
    seeds = list(range(1000, 1200))
    auc = rng.uniform(0.60, 0.70, len(seeds))  # nowhere near 0.717
    acc = rng.integers(50, 66, len(seeds)) / 104  # never 67/104
    match_auc = {1003: 0.7165000001, 1050: 0.717, 1111: 0.71749}
    near_miss = {1004: 0.71649, 1005: 0.71751}
    for s, v in {**match_auc, **near_miss}.items():
        auc[s - 1000] = v
    match_acc = {1003: 67 / 104, 1077: np.float32(67 / 104), 1150: 67 / 104}
    for s, v in match_acc.items():
        acc[s - 1000] = v
    acc[1006 - 1000] = 68 / 104
    assert find_witnesses(seeds, auc, 0.717, 3) == sorted(match_auc)
    assert find_witnesses(seeds, acc, PUBLISHED["test_accuracy"]["value"], 7) == sorted(match_acc)
    # accuracy witnesses are exactly the seeds with 67 correct out of 104
    assert find_witnesses(seeds, acc, 0.6442308, 7) == [s for s, a in zip(seeds, acc) if round(a * 104) == 67]
    block = reproduction.reproduction_block(
        {"py": {"label": "synthetic", "seeds": seeds, "test_accuracy": acc, "auc": auc,
                "command": "run --seed {seed}"}}, PUBLISHED)
    w = block["witnesses"]["py"]
    assert w["all"]["seeds"] == [1003]
    assert w["all"]["commands"] == ["run --seed 1003"]
    assert w["auc"]["n_found"] == 3 and w["auc"]["share"] == 3 / 200
    with pytest.raises(ValueError):
        find_witnesses([1, 2], [0.5], 0.5, 2)


# ---------------------------------------------------------------- verdict
def test_verdict_beyond_max_is_unusual():
    v = verdict(np.arange(100), 150)
    assert v["p_value"] == pytest.approx(2 / 101)
    assert v["words"] == "unusual"
    assert v["statistic"] == pytest.approx((150 - 49.5) / np.std(np.arange(100), ddof=1))
    assert set(v) == {"statistic", "p_value", "method", "words"}


def test_verdict_centre_is_consistent_and_small_samples_cannot_reject():
    v = verdict(np.arange(100), 49.5)
    assert v["p_value"] == 1.0 and v["words"] == "consistent with the procedure"
    v = verdict(np.arange(100), 2)  # k_le = 3: p = 2*4/101
    assert v["p_value"] == pytest.approx(8 / 101) and v["words"] == "consistent with the procedure"
    v = verdict(np.arange(100), 0.5)  # k_le = 1: p = 2*2/101 < 0.05
    assert v["p_value"] == pytest.approx(4 / 101) and v["words"] == "unusual"
    small = verdict(np.arange(10), 99)  # smallest attainable p = 2/11
    assert small["p_value"] == pytest.approx(2 / 11) and small["words"] == "consistent with the procedure"
    assert "too few draws" in small["method"]
    tie = verdict(np.array([66, 67, 67, 68]) / 104, 0.6442308, decimals=7)
    assert tie["p_value"] == 1.0  # k_le = 3, k_ge = 3 at the printed precision
    assert verdict(np.array([66, 67, 67, 68]) / 104, 0.6442308)["p_value"] == pytest.approx(2 * 2 / 5)
    const = verdict(np.full(50, 0.6), 0.7)
    assert const["statistic"] == math.inf and const["words"] == "unusual"


def test_build_reproduction_is_json_and_complete():
    rng = np.random.default_rng(1)
    seeds = list(range(60))
    rep = reproduction.build_reproduction(
        PUBLISHED, samples={"py": {"label": "py", "seeds": seeds, "test_accuracy": rng.integers(60, 75, 60) / 104,
                                   "auc": rng.normal(0.7, 0.03, 60)}})
    text = json.dumps(rep, allow_nan=False)
    back = json.loads(text)
    assert back["stats"]["py"]["auc"]["n"] == 60
    assert back["verdicts"]["py"]["test_accuracy"]["words"] in ("consistent with the procedure", "unusual")
    assert set(back["witnesses"]["py"]) == {"test_accuracy", "auc", "all"}
    assert back["published"]["auc"]["decimals"] == 3


# ---------------------------------------------------------------- baselines (real data)
def test_article_baselines(gbsg):
    df, x, y, sp = gbsg
    b = baselines.article_baselines(df)
    yte, ytr = y[sp.test - 1], y[sp.train - 1]
    maj = int(np.bincount(ytr).argmax())
    assert b["majority"]["accuracy"] == np.mean(yte == maj)
    assert b["majority"]["accuracy"] == max(np.mean(yte), 1 - np.mean(yte))  # here the majorities agree
    assert b["majority"]["auc"] == 0.5 and b["majority"]["auc_ci"] == [0.5, 0.5, 0.5]
    lr = b["logistic"]
    assert 0.6 < lr["auc"] < 0.8
    p = np.array(lr["predictions"])
    assert lr["roc_direction"] == "<"
    assert lr["auc"] == pytest.approx(roc_auc_score(yte, p), abs=1e-12)
    assert lr["accuracy"] == np.mean((p > 0.5) == yte)
    assert lr["auc_ci"][0] < lr["auc"] < lr["auc_ci"][2]
    assert b["test_labels"] == yte.tolist()


def test_paired_delong(gbsg):
    df, x, y, sp = gbsg
    b = baselines.article_baselines(df)
    yte = np.array(b["test_labels"])
    lr = np.array(b["logistic"]["predictions"])
    same = baselines.paired_delong(lr, lr, yte)
    assert same["z"] == 0.0 and same["p_value"] == 1.0
    noisy = 1 / (1 + np.exp(-(np.log(lr / (1 - lr)) + np.random.default_rng(3).normal(0, 1.0, lr.size))))
    d = baselines.paired_delong(noisy, lr, yte)
    assert d["auc_cnn"] == pytest.approx(roc_auc_score(yte, noisy), abs=1e-12)
    assert d["difference"] == pytest.approx(d["auc_cnn"] - d["auc_lr"])
    assert 0 < d["p_value"] < 1 and d["conf_int"][0] < d["difference"] < d["conf_int"][1]


def test_over_split_seeds(gbsg):
    df, x, y, _ = gbsg
    o = baselines.over_split_seeds([123, 1, 2], df)
    first = baselines.article_baselines(df)
    assert o["logistic"]["auc"][0] == first["logistic"]["auc"]
    for i, s in enumerate([1, 2]):
        sp = article_split(len(df), s)
        yte, ytr = y[sp.test - 1], y[sp.train - 1]
        assert o["majority"]["accuracy"][i + 1] == np.mean(yte == np.bincount(ytr).argmax())
        assert o["test_majority_share"][i + 1] == max(np.mean(yte), 1 - np.mean(yte))
        assert 0.55 < o["logistic"]["auc"][i + 1] < 0.85
    assert o["majority"]["auc"] == [0.5, 0.5, 0.5]


# ---------------------------------------------------------------- findings (real data)
def test_scaling_leak_matches_numpy(gbsg):
    df, x, y, sp = gbsg
    f = findings.scaling_leak(df)
    tr, te = sp.train - 1, sp.test - 1
    m_all, s_all = x.mean(0), x.std(0, ddof=1)
    m_tr, s_tr = x[tr].mean(0), x[tr].std(0, ddof=1)
    shift = (m_all - m_tr) / s_tr
    assert f["max_abs_center_shift_sd"] == pytest.approx(np.abs(shift).max(), rel=1e-9)
    assert f["max_shift_feature"] == FEATURES[int(np.abs(shift).argmax())]
    assert f["max_abs_scale_change"] == pytest.approx(np.abs(s_all / s_tr - 1).max(), rel=1e-9)
    moved = (x[te] - m_all) / s_all - (x[te] - m_tr) / s_tr
    assert f["test_max_abs_move_sd"] == pytest.approx(np.abs(moved).max(), rel=1e-9)
    assert f["test_mean_abs_move_sd"] == pytest.approx(np.abs(moved).mean(), rel=1e-9)
    assert (f["n_rows"], f["n_train"], f["n_test"]) == (len(df), tr.size, te.size)
    assert f"{f['max_abs_center_shift_sd']:.3f}" in f["sentence"]


def test_censoring_matches_pandas(gbsg):
    df, x, y, sp = gbsg
    f = findings.censoring(df)
    assert f["n_censored"] == int((df.status == 0).sum())
    test_rows = df.iloc[sp.test - 1]
    for h in (365, 730):
        d = f["horizons"][str(h)]
        assert d["censored_short"] == len(df.query("status == 0 and rfstime < @h"))
        assert d["events_after"] == len(df.query("status == 1 and rfstime >= @h"))
        assert d["test_censored_short"] == len(test_rows.query("status == 0 and rfstime < @h"))
        assert d["share_of_censored"] == d["censored_short"] / f["n_censored"]
    assert f["censored_followup_median_days"] == df.loc[df.status == 0, "rfstime"].median()
    assert str(f["horizons"]["730"]["censored_short"]) in f["sentence"]
    assert findings.censoring(df.drop(columns="rfstime"))["available"] is False


def test_seed_spread():
    rng = np.random.default_rng(5)
    acc, auc = rng.integers(55, 75, 300) / 104, rng.normal(0.7, 0.03, 300)
    f = findings.seed_spread(acc, auc, {"accuracy": (0.6442308, 7), "auc": (0.717, 3)})
    assert f["accuracy"]["sd"] == pytest.approx(np.std(acc, ddof=1))
    assert f["auc"]["range_95_width"] == pytest.approx(np.percentile(auc, 97.5) - np.percentile(auc, 2.5))
    assert f["auc"]["verdict"]["words"] in ("consistent with the procedure", "unusual")
    assert f"{f['auc']['sd']:.3f}" in f["sentence"]


def test_threshold_balance_matches_sklearn(gbsg):
    df, x, y, sp = gbsg
    yte = y[sp.test - 1]
    b = baselines.article_baselines(df)
    p = np.array(b["logistic"]["predictions"])
    res = SimpleNamespace(predictions=p.reshape(-1, 1), test_labels=yte, test_accuracy=b["logistic"]["accuracy"])
    f = findings.threshold_balance(res)
    assert f["majority_rate"] == max(np.mean(yte), 1 - np.mean(yte))
    assert f["share_predicted_positive"] == np.mean(p > 0.5)
    assert f["accuracy_at_0_5"] == f["reported_accuracy"]
    fpr, tpr, _ = roc_curve(yte, p)
    for row in f["youden"]:
        assert row["sensitivity"] + row["specificity"] - 1 == pytest.approx(np.max(tpr - fpr), abs=1e-12)
        assert row["accuracy"] == np.mean((p >= row["threshold"]) == yte)
    assert f["sensitivity_at_0_5"] == np.mean(p[yte == 1] > 0.5)
    with pytest.raises(ValueError):
        findings.threshold_balance(SimpleNamespace(predictions=p[:5], test_labels=yte, test_accuracy=None))
