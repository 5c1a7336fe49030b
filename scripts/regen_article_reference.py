"""Regenerate tests/reference/r_article_reference.json: the article's split and scaling as R
computes them (R code below, from sections 4.2 of the article), with R's version.

Run: .venv/bin/python scripts/regen_article_reference.py
"""
from __future__ import annotations

import json
from pathlib import Path

from r_reference.availability import run_rscript

OUT = Path(__file__).resolve().parents[1] / "tests" / "reference" / "r_article_reference.json"
R_CODE = r"""
suppressPackageStartupMessages(library(survival))
data <- gbsg
features <- data[, c("age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon")]
preprocessed_features <- scale(features)
set.seed(123)
train_indices <- sample(x = 1:nrow(data), size = 0.7 * nrow(data), replace = FALSE)
val_indices <- sample(setdiff(1:nrow(data), train_indices), size = 0.15 * nrow(data), replace = FALSE)
test_indices <- setdiff(setdiff(1:nrow(data), train_indices), val_indices)
f <- function(v) paste(sprintf("%.17g", v), collapse = " ")
cat(f(train_indices), f(val_indices), f(test_indices),
    f(attr(preprocessed_features, "scaled:center")), f(attr(preprocessed_features, "scaled:scale")),
    f(preprocessed_features[1:3, ]), sep = "\n")
cat("\n", R.version.string, " survival ", as.character(packageVersion("survival")), "\n", sep = "")
"""


def main() -> None:
    lines = run_rscript(R_CODE).strip().splitlines()
    nums = [[float(x) for x in ln.split()] for ln in lines[:6]]
    ref = {
        "generated_by": "scripts/regen_article_reference.py",
        "r_code": R_CODE.strip(),
        "r_version": lines[-1].strip(),
        "train_indices": [int(v) for v in nums[0]],
        "val_indices": [int(v) for v in nums[1]],
        "test_indices": [int(v) for v in nums[2]],
        "center": nums[3],
        "scale": nums[4],
        "scaled_rows_1_3_colmajor": nums[5],
    }
    OUT.write_text(json.dumps(ref, indent=1) + "\n")
    print(f"wrote {OUT} ({ref['r_version']})")


if __name__ == "__main__":
    main()
