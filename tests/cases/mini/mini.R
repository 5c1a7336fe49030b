# A tiny analysis for the engine's own tests (tests/test_engine.py replays its R values; the
# live-R tests run it for real).
set.seed(7)
x <- c(a = 1.5, b = 2.5, c = 3.5)
idx <- sample(10, 4)
scaled <- scale(matrix(c(1, 2, 3, 4, 5, 7), 3))
total <- sum(x)
labels <- c(0L, 1L, 1L, 0L, 1L)
scores <- c(0.1, 0.8, 0.6, 0.3, 0.9)
lvl <- factor(c("lo", "hi", "lo"), levels = c("lo", "hi"))
