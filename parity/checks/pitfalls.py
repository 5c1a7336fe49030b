"""Naive-port lessons: what a straightforward Python rewrite gets wrong, each computed on the
audited data and reported as WARN with its size (FAIL only if the lesson's premise breaks)."""
from __future__ import annotations

import numpy as np

from parity.checks._fmt import num
from parity.context import SideFailed
from parity.registry import CheckResult, SkipCheck, Status, check

DOC = "documented divergence"


@check("pitfall_population_sd", "pitfalls", DOC, "StandardScaler divides by the population sd (ddof=0)",
       needs=("py",))
def pitfall_population_sd(ctx) -> CheckResult:
    """scikit-learn's StandardScaler vs R's scale(): sd ratio sqrt(n/(n-1))."""
    from sklearn.preprocessing import StandardScaler

    from python_impl.data import features_labels

    ref, label = ctx.reference_side()
    x, _ = features_labels(ctx.data)
    ss = StandardScaler().fit(x)
    ratio = np.asarray(ref.scale) / ss.scale_
    n = x.shape[0]
    want = np.sqrt(n / (n - 1))
    scaled_r = (x - ref.center) / ref.scale
    scaled_ss = ss.transform(x)
    shift = float(np.max(np.abs(scaled_ss - scaled_r)))
    ok = np.allclose(ratio, want, rtol=1e-12)
    return CheckResult("pitfall_population_sd", Status.WARN if ok else Status.FAIL,
                       f"{label} scale()[age]={num(ref.scale[0])}", f"StandardScaler[age]={num(ss.scale_[0])}",
                       f"ratio {ratio[0]:.6f} = sqrt({n}/{n - 1})" if ok else f"ratio {ratio.tolist()}",
                       detail=f"every scaled value is {(want - 1) * 100:.3f}% larger under StandardScaler "
                              f"(max |shift| {shift:.2e} sd units); use ddof=1 to match R",
                       data={"ratio": ratio.tolist(), "expected_ratio": want, "max_abs_shift": shift})


@check("pitfall_numpy_split", "pitfalls", DOC, "NumPy/scikit-learn RNGs are not R's: set.seed(123) means nothing to them",
       needs=("py",))
def pitfall_numpy_split(ctx) -> CheckResult:
    """train_test_split / numpy choice with 'the same seed' instead of R's sample()."""
    from sklearn.model_selection import train_test_split

    ref, label = ctx.reference_side()
    n = len(ctx.data)
    n_tr, n_va = int(0.7 * n), int(0.15 * n)
    rows = np.arange(1, n + 1)
    tr, rest = train_test_split(rows, train_size=n_tr, random_state=123)
    va, te_sk = train_test_split(rest, train_size=n_va, random_state=123)
    rng = np.random.default_rng(123)
    perm = rng.permutation(rows)
    te_np = perm[n_tr + n_va:]
    np.random.seed(123)  # legacy global RNG, the other common guess
    leg = np.random.choice(rows, n_tr, replace=False)
    rest_leg = np.setdiff1d(rows, leg)
    te_leg = np.setdiff1d(rest_leg, np.random.choice(rest_leg, n_va, replace=False))
    np.random.seed()
    r_test = np.asarray(ref.test_indices)
    kept = {name: int(len(np.intersect1d(r_test, t))) for name, t in
            (("train_test_split", te_sk), ("default_rng.permutation", te_np), ("np.random.choice", te_leg))}
    n_te = len(r_test)
    expected = n_te * n_te / n
    return CheckResult("pitfall_numpy_split", Status.WARN, f"{label} sample(): {n_te} test rows",
                       f"train_test_split: {kept['train_test_split']}/{n_te} same",
                       f"{n_te - kept['train_test_split']} rows differ",
                       detail="test rows shared with R's split: " + ", ".join(f"{k} {v}/{n_te}" for k, v in kept.items())
                              + f" (chance level ~{expected:.0f}); use an R-exact RNG (python_impl.rrandom)",
                       data={"kept": kept, "n_test": n_te, "chance_level": expected})


@check("pitfall_sklearn_roc_direction", "pitfalls", DOC,
       "sklearn's roc_auc_score never flips direction; pROC's 'auto' does", needs=("py", "py_runs"))
def pitfall_sklearn_roc_direction(ctx) -> CheckResult:
    """roc_auc_score vs pROC's direction='auto' over the unseeded runs: how often the AUC flips."""
    from sklearn.metrics import roc_auc_score

    runs = list(ctx.py_runs)
    try:
        runs += list(ctx.r_runs)
    except (SkipCheck, SideFailed):  # R side unavailable: Python runs alone still show the effect
        pass
    flips, gaps = 0, []
    for res in runs:
        sk = roc_auc_score(res.test_labels, res.predictions)
        if res.roc_direction == ">":
            flips += 1
            gaps.append(res.auc - sk)
    # the effect itself, shown deterministically: reversing the score order
    seeded = ctx.py
    sk_rev = roc_auc_score(seeded.test_labels, -np.asarray(seeded.predictions))
    from python_impl.roc import roc

    p_rev = roc(seeded.test_labels, -np.asarray(seeded.predictions)).auc
    return CheckResult("pitfall_sklearn_roc_direction", Status.WARN,
                       f"pROC auto: reversed scores AUC {num(p_rev, 4)}", f"sklearn: reversed scores AUC {num(sk_rev, 4)}",
                       f"{flips}/{len(runs)} runs flipped",
                       detail=f"pROC picked '>' in {flips} of {len(runs)} distribution runs"
                              + (f" (there it reports {np.mean(gaps) + 0.5:.3f}-ish AUCs where sklearn gives 1-AUC)" if gaps else "")
                              + "; on scores whose order is reversed pROC still reports the AUC above 0.5, sklearn "
                              "reports 1-AUC. Pass direction explicitly when porting",
                       data={"flips": flips, "runs": len(runs), "reversed_auc_proc": p_rev, "reversed_auc_sklearn": sk_rev})


@check("pitfall_factor_codes", "pitfalls", DOC,
       "as.integer(factor) codes 0/1 labels as 1/2; Keras then scores accuracy against 2", needs=("py",))
def pitfall_factor_codes(ctx) -> CheckResult:
    """Labels taken as factor codes (1/2) instead of 0/1: accuracy and loss on the same predictions."""
    ref, label = ctx.reference_side()
    y = np.asarray(ref.test_labels)
    p = np.asarray(ref.predictions, float)
    acc01 = float(np.mean((p > 0.5).astype(int) == y))
    acc12 = float(np.mean((p > 0.5).astype(int) == y + 1))  # Keras binary accuracy vs codes 1/2
    eps = 1e-7
    pc = np.clip(p, eps, 1 - eps)

    def bce(t):
        return float(-np.mean(t * np.log(pc) + (1 - t) * np.log(1 - pc)))

    l01, l12 = bce(y), bce(y + 1)
    return CheckResult("pitfall_factor_codes", Status.WARN, f"0/1: acc {acc01:.3f}, loss {l01:.3f}",
                       f"1/2: acc {acc12:.3f}, loss {l12:.3f}", f"acc {acc12 - acc01:+.3f}",
                       detail=f"on {label}'s test predictions: coding status as factor codes 1/2 drops accuracy "
                              f"from {acc01:.3f} to {acc12:.3f} and makes the cross-entropy meaningless ({l12:.2f}); "
                              "use as.numeric(as.character(f)) / the 0/1 values",
                       data={"acc01": acc01, "acc12": acc12, "loss01": l01, "loss12": l12})
