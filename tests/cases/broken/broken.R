# An R script that stops half way: every checkpoint after it has no value.
x <- 1:3
stop("the data file has changed: expected 3 columns")
y <- x * 2
