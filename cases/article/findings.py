"""Methodology findings about the article, each COMPUTED from the data it is given and returned
as a JSON-able dict of numbers plus one "sentence" summarising them (no number in a sentence is
typed in: every one is formatted from the dict beside it).

(a) `scaling_leak`: `scale()` on all 686 rows before the split vs on the 480 training rows.
(b) `censoring`: `status` is "relapse/death observed", not "relapse within a horizon": censored
    patients (status 0) with short follow-up (`rfstime`) may still relapse but count as "no event".
(c) `seed_spread`: unseeded Keras weights make accuracy/AUC a distribution (arrays in).
(d) `threshold_balance`: the test set's majority rate, the share of predictions above 0.5, and
    pROC's Youden threshold vs Keras's fixed 0.5 (from one `ArticleResult`).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from python_impl.data import FEATURES, LABEL, features_labels, load_gbsg
from python_impl.preprocess import r_scale
from python_impl.split import ARTICLE_SPLIT_SEED, Split, article_split

TIME_COLUMN = "rfstime"
HORIZONS_DAYS = (365, 730)


def _df(data) -> pd.DataFrame:
    return data if isinstance(data, pd.DataFrame) else load_gbsg(data)


def _split(n: int, split: Split | None) -> Split:
    return split if split is not None else article_split(n, ARTICLE_SPLIT_SEED)


# (a) ----------------------------------------------------------------------------------------
def scaling_leak(data=None, split: Split | None = None) -> dict:
    """Centre/scale from all rows (the article) vs from the training rows only.

    Per feature: center/scale both ways, `center_shift_sd` = (center_all - center_train) /
    scale_train (how far the centre moves, in training-sd units) and `scale_ratio_minus_1` =
    scale_all / scale_train - 1. For the test rows: the difference between the two scaled
    versions, in sd units (max and mean |difference|, per feature max). Also the logistic
    regression baseline's test AUC under both scalings (how much the leak matters to a model).
    """
    from .baselines import logistic_regression

    df = _df(data)
    x, y = features_labels(df)
    sp = _split(len(df), split)
    tr, te = sp.train - 1, sp.test - 1
    scaled_all, c_all, s_all = r_scale(x)
    _, c_tr, s_tr = r_scale(x[tr])
    scaled_tr = (x - c_tr) / s_tr
    shift = (c_all - c_tr) / s_tr
    ratio = s_all / s_tr - 1
    moved = scaled_all[te] - scaled_tr[te]
    per_feature = {
        f: {"center_all": float(c_all[i]), "center_train": float(c_tr[i]),
            "scale_all": float(s_all[i]), "scale_train": float(s_tr[i]),
            "center_shift_sd": float(shift[i]), "scale_ratio_minus_1": float(ratio[i]),
            "test_max_abs_move_sd": float(np.max(np.abs(moved[:, i])))}
        for i, f in enumerate(FEATURES)}
    worst = int(np.argmax(np.abs(shift)))
    auc_all = logistic_regression(scaled_all, y, sp.train, sp.test)["auc"]
    auc_tr = logistic_regression(scaled_tr, y, sp.train, sp.test)["auc"]
    out = {
        "n_rows": int(len(df)), "n_train": int(tr.size), "n_test": int(te.size),
        "per_feature": per_feature,
        "max_abs_center_shift_sd": float(np.max(np.abs(shift))),
        "max_shift_feature": FEATURES[worst],
        "max_abs_scale_change": float(np.max(np.abs(ratio))),
        "test_max_abs_move_sd": float(np.max(np.abs(moved))),
        "test_mean_abs_move_sd": float(np.mean(np.abs(moved))),
        "lr_auc_scaled_all": float(auc_all), "lr_auc_scaled_train": float(auc_tr),
    }
    out["sentence"] = (
        f"Scaling all {out['n_rows']} rows before the split lets the {out['n_test']} test rows into the "
        f"centre/scale: centres move by up to {out['max_abs_center_shift_sd']:.3f} training sd "
        f"({out['max_shift_feature']}), scales by up to {100 * out['max_abs_scale_change']:.1f}%, and test "
        f"rows shift by {out['test_mean_abs_move_sd']:.3f} sd on average (max "
        f"{out['test_max_abs_move_sd']:.3f}); logistic regression's test AUC is "
        f"{out['lr_auc_scaled_all']:.3f} vs {out['lr_auc_scaled_train']:.3f} with training-only scaling "
        f"({'a negligible' if abs(out['lr_auc_scaled_all'] - out['lr_auc_scaled_train']) < 0.005 else 'a visible'}"
        f" effect), but the procedure is not a clean hold-out.")
    return out


# (b) ----------------------------------------------------------------------------------------
def censoring(data=None, horizons: Sequence[int] = HORIZONS_DAYS, split: Split | None = None) -> dict:
    """Censored patients (status 0) with follow-up `rfstime` shorter than each horizon (days):
    unknown outcome at that horizon, yet labelled "no event". Also how many of the observed
    events happened AFTER each horizon (evidence that late relapses are common, so a short
    censored follow-up says little), and the same counts within the article's test rows."""
    df = _df(data)
    if TIME_COLUMN not in df.columns:
        return {"available": False, "sentence": f"The data has no `{TIME_COLUMN}` column: the censoring "
                                                "of `status` cannot be quantified."}
    t = df[TIME_COLUMN].to_numpy(dtype=np.float64)
    st = df[LABEL].to_numpy(dtype=np.int64)
    sp = _split(len(df), split)
    te = np.zeros(len(df), dtype=bool)
    te[sp.test - 1] = True
    cens, ev = st == 0, st == 1
    by_h = {}
    for h in horizons:
        short = cens & (t < h)
        by_h[str(int(h))] = {
            "days": int(h),
            "censored_short": int(short.sum()),
            "share_of_censored": float(short.sum() / max(1, cens.sum())),
            "share_of_all": float(short.sum() / len(df)),
            "events_after": int((ev & (t >= h)).sum()),
            "share_of_events_after": float((ev & (t >= h)).sum() / max(1, ev.sum())),
            "test_censored_short": int((short & te).sum()),
        }
    out = {
        "available": True, "n": int(len(df)), "n_censored": int(cens.sum()), "n_events": int(ev.sum()),
        "n_test": int(te.sum()), "test_censored": int((cens & te).sum()),
        "censored_followup_median_days": float(np.median(t[cens])),
        "censored_followup_min_days": float(np.min(t[cens])),
        "horizons": by_h,
    }
    hs = [by_h[str(int(h))] for h in horizons]
    parts = ", ".join(f"{d['censored_short']} ({100 * d['share_of_censored']:.1f}%) before {d['days']} days"
                      for d in hs)
    last = hs[-1]
    out["sentence"] = (
        f"status mixes censoring with outcome: of {out['n_censored']} censored patients counted as "
        f"'no event', {parts} of follow-up (median {out['censored_followup_median_days']:.0f} days), while "
        f"{100 * last['share_of_events_after']:.1f}% of the {out['n_events']} observed relapses came after "
        f"{last['days']} days; {last['test_censored_short']} of the {out['n_test']} test patients are such "
        f"short-follow-up censored cases.")
    return out


# (c) ----------------------------------------------------------------------------------------
def _ordinal(x: float) -> str:
    if x != x:  # NaN
        return "n/a"
    n = int(round(x))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def seed_spread(accuracies, aucs, published: dict | None = None, label: str = "seeds") -> dict:
    """Spread of test accuracy and AUC over seeds (sd, 2.5-97.5% range, min/max), and where the
    published values fall (compared at their printed precision, see parity.reproduction).
    `published`: {"accuracy": (value, decimals), "auc": (value, decimals)}."""
    from parity.reproduction import describe, verdict

    pub = published or {}
    out = {"label": label}
    for m, vals in (("accuracy", accuracies), ("auc", aucs)):
        pv, dec = pub.get(m) or (None, None)
        d = describe(vals, pv if pv is not None else float("nan"), decimals=dec)
        d["range_95_width"] = d["p2_5"] if d["n"] == 0 else d["p97_5"] - d["p2_5"]
        if pv is not None:
            d["verdict"] = verdict(vals, pv, decimals=dec)
        out[m] = d
    a, u = out["accuracy"], out["auc"]
    s = (f"Unseeded weights make the result a draw: over {a['n']} {label} the test accuracy has sd "
         f"{a['sd']:.3f} (95% range {a['p2_5']:.3f}-{a['p97_5']:.3f}) and the AUC sd {u['sd']:.3f} "
         f"(95% range {u['p2_5']:.3f}-{u['p97_5']:.3f})")
    if "verdict" in a and "verdict" in u:
        s += (f"; the published accuracy sits at the {_ordinal(a['percentile_of_published'])} percentile "
              f"(p = {a['verdict']['p_value']:.3g}, {a['verdict']['words']}) and the AUC at the "
              f"{_ordinal(u['percentile_of_published'])} (p = {u['verdict']['p_value']:.3g}, "
              f"{u['verdict']['words']})")
    out["sentence"] = s + "."
    return out


# (d) ----------------------------------------------------------------------------------------
def _case_at(pred: np.ndarray, threshold: float, direction: str) -> np.ndarray:
    # pROC: "<" calls x >= t a case (thresholds are midpoints, moved up onto a score on ties);
    # ">" calls x <= t a case
    return pred >= threshold if direction == "<" else pred <= threshold


def threshold_balance(result, labels=None) -> dict:
    """Class balance and the 0.5 cut-off for one run (an `ArticleResult`, or anything with
    `predictions` and `test_labels`; pass `labels` when `test_labels` is None).

    Computes: the test majority rate (accuracy of always predicting the majority), the share of
    predictions > 0.5 (Keras's accuracy rule), the accuracy/sensitivity/specificity at 0.5, and
    pROC's Youden-best threshold(s) (recomputed from the predictions, so ties give several) with
    the accuracy they would give."""
    from python_impl.roc import roc

    y = np.asarray(labels if labels is not None else result.test_labels).ravel().astype(np.int64)
    p = np.asarray(result.predictions, dtype=np.float64).ravel()
    if y.size != p.size:
        raise ValueError(f"{p.size} predictions but {y.size} labels")
    r = roc(y, p)
    pos = p > 0.5
    n1 = int(y.sum())
    maj = 1 if 2 * n1 >= y.size else 0
    best = []
    for b in r.best():
        hard = _case_at(p, b["threshold"], r.direction).astype(np.int64)
        best.append({**b, "accuracy": float(np.mean(hard == y))})
    out = {
        "n_test": int(y.size), "n_events": n1, "majority_label": maj,
        "majority_rate": float(max(n1, y.size - n1) / y.size),
        "share_predicted_positive": float(pos.mean()),
        "event_rate": float(n1 / y.size),
        "accuracy_at_0_5": float(np.mean(pos.astype(np.int64) == y)),
        "sensitivity_at_0_5": float(np.mean(pos[y == 1])) if n1 else float("nan"),
        "specificity_at_0_5": float(np.mean(~pos[y == 0])) if n1 < y.size else float("nan"),
        "roc_direction": r.direction,
        "youden": best,
        "reported_accuracy": float(result.test_accuracy) if getattr(result, "test_accuracy", None) is not None
        else float("nan"),
    }
    out["accuracy_gain_over_majority"] = out["accuracy_at_0_5"] - out["majority_rate"]
    b0 = best[0]
    out["sentence"] = (
        f"The test set is {100 * out['majority_rate']:.1f}% class {maj}, so always predicting it scores "
        f"{out['majority_rate']:.3f}; at Keras's 0.5 cut-off {100 * out['share_predicted_positive']:.1f}% of "
        f"predictions are positive (event rate {100 * out['event_rate']:.1f}%) and accuracy is "
        f"{out['accuracy_at_0_5']:.3f} ({out['accuracy_gain_over_majority']:+.3f} over the majority), while "
        f"pROC's Youden threshold is {b0['threshold']:.3f} (specificity {b0['specificity']:.3f}, sensitivity "
        f"{b0['sensitivity']:.3f}, accuracy {b0['accuracy']:.3f})"
        + (f" ({len(best)} tied thresholds)" if len(best) > 1 else "") + ".")
    return out


def all_findings(data=None, result=None, accuracies=None, aucs=None, published: dict | None = None,
                 split: Split | None = None, spread_label: str = "seeds") -> dict:
    """Every finding whose inputs are given: {"scaling_leak", "censoring", "seed_spread",
    "threshold_balance"} (the last two only with their arrays / result)."""
    df = _df(data)
    out = {"scaling_leak": scaling_leak(df, split), "censoring": censoring(df, split=split)}
    if accuracies is not None and aucs is not None:
        out["seed_spread"] = seed_spread(accuracies, aucs, published, spread_label)
    if result is not None:
        out["threshold_balance"] = threshold_balance(result)
    return out
