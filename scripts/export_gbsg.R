# Regenerates python_impl/data/gbsg.csv from R's survival::gbsg (all 11 columns, R's row order).
# Run: Rscript scripts/export_gbsg.R python_impl/data/gbsg.csv
# then: python -m python_impl.data --write-meta   (records sha256 and versions)
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[[1]] else "python_impl/data/gbsg.csv"
suppressPackageStartupMessages(library(survival))
write.csv(survival::gbsg, out, row.names = FALSE)
cat(sprintf("R=%s survival=%s rows=%d cols=%d\n", getRversion(), packageVersion("survival"), nrow(gbsg), ncol(gbsg)))
