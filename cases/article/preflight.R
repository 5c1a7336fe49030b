# Pre-flight of a --data file for the article's script: run by the harness (`[data] r_check` in
# case.toml) before any audit run, with the file bound as `gbsg` exactly as the script will see it.
# It checks what the script relies on (the columns it selects, numbers for scale(), 0/1 or
# TRUE/FALSE labels for Keras) and stops with one message naming the column, the row and the fix.
features <- c("age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon")
missing <- setdiff(c(features, "status"), names(gbsg))
if (length(missing)) {
  stop(sprintf("R finds no column(s) %s; R reads the header as: %s",
               paste(sQuote(missing, FALSE), collapse = ", "),
               paste(sQuote(names(gbsg), FALSE), collapse = ", ")), call. = FALSE)
}
first_bad <- function(x) which(is.na(suppressWarnings(as.numeric(as.character(x)))) & !is.na(x))[1]
for (v in features) {
  x <- gbsg[[v]]
  if (!is.numeric(x)) {
    i <- first_bad(x)
    stop(sprintf("column '%s' is read by R as %s (row %d: '%s' is not a number R reads), so scale() fails; fix that value",
                 v, class(x)[1], i + 1L, as.character(x[i])), call. = FALSE)
  }
  if (anyNA(x)) stop(sprintf("column '%s', row %d: missing value; the article has no NA handling",
                             v, which(is.na(x))[1] + 1L), call. = FALSE)
}
s <- gbsg$status
if (!(is.numeric(s) || is.logical(s))) {
  stop(sprintf("column 'status' is read by R as %s (values %s): the script passes it to Keras as it is; recode as 0/1",
               class(s)[1], paste(sQuote(head(unique(as.character(s)), 4), FALSE), collapse = ", ")), call. = FALSE)
}
if (anyNA(s)) stop(sprintf("column 'status', row %d: missing label", which(is.na(s))[1] + 1L), call. = FALSE)
if (!all(as.numeric(s) %in% c(0, 1))) {
  stop(sprintf("column 'status' holds %s, not 0/1: binary_crossentropy needs 0 and 1; recode it",
               paste(sort(unique(as.numeric(s))), collapse = "/")), call. = FALSE)
}
z <- scale(gbsg[, features])
bad <- colnames(z)[colSums(!is.finite(z)) > 0]
if (length(bad)) stop(sprintf("scale() gives NaN/Inf in column(s) %s (constant or overflowing); drop or fix them",
                              paste(sQuote(bad, FALSE), collapse = ", ")), call. = FALSE)
