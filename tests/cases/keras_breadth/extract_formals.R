# Writes r_keras_formals.json: the formals (argument names and deparsed defaults) of the R keras
# 2.15.0 functions the rpy2 bridge provides, read from R keras's own sources (and, for the
# seeding functions, R tensorflow 2.16.0's; for array_reshape, reticulate 1.39.0's), so
# tests/test_bridge.py can check the bridge's R functions against them. Regenerate with
#   git clone https://github.com/rstudio/keras && git -C keras checkout v2.15.0   (dbed73e1)
#   git clone https://github.com/rstudio/tensorflow && git -C tensorflow checkout v2.16.0 (daca636e)
#   git clone https://github.com/rstudio/reticulate && git -C reticulate checkout v1.39.0 (d7adb455)
#   Rscript tests/cases/keras_breadth/extract_formals.R keras/R tensorflow/R reticulate/R \
#     tests/cases/keras_breadth/r_keras_formals.json
args <- commandArgs(trailingOnly = TRUE)
keras_dir <- args[[1]]; tf_dir <- args[[2]]; ret_dir <- args[[3]]; out <- args[[4]]
env <- new.env()
# Definitions only: evaluate `name <- function(...)` and `name <- py_metric_wrapper(...)` (which
# builds formals from its arguments without touching Python); skip everything else.
load_defs <- function(file, keep_calls = character()) {
  for (e in parse(file, keep.source = FALSE)) {
    if (is.call(e) && identical(e[[1]], as.name("<-")) && is.name(e[[2]])) {
      rhs <- e[[3]]
      if (is.call(rhs) && (identical(rhs[[1]], as.name("function")) ||
                           as.character(rhs[[1]])[1] %in% keep_calls)) {
        try(eval(e, env), silent = TRUE)
      }
    }
  }
}
# (metrics.R defines py_metric_wrapper() before the metric_* functions it makes)
for (f in list.files(keras_dir, pattern = "[.]R$", full.names = TRUE)) load_defs(f, "py_metric_wrapper")
tf <- new.env(); ret <- new.env()
local({ for (e in parse(file.path(tf_dir, "seed.R"))) if (is.call(e) && identical(e[[1]], as.name("<-"))) eval(e, tf) })
local({ for (e in parse(file.path(ret_dir, "array.R"))) if (is.call(e) && identical(e[[1]], as.name("<-")) &&
                                                          identical(as.character(e[[2]]), "array_reshape")) eval(e, ret) })
fmls <- function(f) {
  fm <- formals(f)
  lapply(fm, function(d) if (identical(d, quote(expr = ))) NULL else paste(deparse(d, width.cutoff = 500L), collapse = " "))
}
keras_names <- c(
  "keras_model_sequential", "keras_model", "layer_input", "layer_dense", "layer_conv_1d", "layer_conv_2d",
  "layer_max_pooling_1d", "layer_max_pooling_2d", "layer_average_pooling_1d", "layer_average_pooling_2d",
  "layer_global_max_pooling_1d", "layer_global_average_pooling_1d", "layer_global_max_pooling_2d",
  "layer_global_average_pooling_2d", "layer_flatten", "layer_reshape", "layer_dropout", "layer_activation",
  "layer_activation_relu", "layer_activation_leaky_relu", "layer_activation_softmax",
  "layer_batch_normalization", "count_params", "get_weights", "set_weights",
  "optimizer_adam", "optimizer_sgd", "optimizer_rmsprop", "optimizer_adagrad", "optimizer_nadam",
  "loss_binary_crossentropy", "loss_categorical_crossentropy", "loss_sparse_categorical_crossentropy",
  "loss_mean_squared_error", "loss_mean_absolute_error", "loss_huber", "metric_auc", "metric_accuracy",
  "metric_precision", "metric_recall", "metric_binary_accuracy", "metric_categorical_accuracy",
  "metric_binary_crossentropy", "metric_mean_squared_error", "metric_mean_absolute_error",
  "regularizer_l1", "regularizer_l2", "regularizer_l1_l2", "callback_early_stopping", "to_categorical",
  "k_clear_session")
res <- list()
for (n in keras_names) res[[n]] <- fmls(get(n, envir = env))
# the S3 methods R keras registers for its models, under the generic's name
res[["compile"]] <- fmls(get("compile.keras.engine.training.Model", envir = env))
res[["fit"]] <- fmls(get("fit.keras.engine.training.Model", envir = env))
res[["evaluate"]] <- fmls(get("evaluate.keras.engine.training.Model", envir = env))
res[["predict"]] <- fmls(get("predict.keras.engine.training.Model", envir = env))
res[["set_random_seed"]] <- fmls(get("set_random_seed", envir = tf))
res[["use_session_with_seed"]] <- fmls(get("use_session_with_seed", envir = tf))
res[["array_reshape"]] <- fmls(get("array_reshape", envir = ret))
con <- file(out, "w")
writeLines("{", con)
items <- vapply(names(res), function(n) {
  f <- res[[n]]
  args <- vapply(names(f), function(a) sprintf('["%s", %s]', gsub('"', '\\\\"', a),
    if (is.null(f[[a]])) "null" else sprintf('"%s"', gsub('"', '\\\\"', f[[a]]))), "")
  sprintf('  "%s": [%s]', n, paste(args, collapse = ", "))
}, "")
writeLines(paste(items, collapse = ",\n"), con)
writeLines("}", con)
close(con)
