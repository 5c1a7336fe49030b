# The rpy2 keras bridge, R side: the subset of R's keras API the article's script uses, as thin
# R functions that call the host Python's Keras through rpy2 callbacks (rpy2.rinterface.rternalize;
# Python side: r_reference/bridge.py).
#
# Why not reticulate: Debian's r-cran-reticulate 1.28 refuses NumPy 2, and TensorFlow 2.21 needs
# NumPy 2 (shared/design.md), so R cannot reach Keras through reticulate on this machine.
#
# Faithful to R keras (2.x) where it matters for the numbers:
#   * the model is built by the same Keras calls R keras makes (Sequential(), then
#     model.add(Conv1D(..., input_shape = (8, 1))), ...), so a shared seed gives the same weights;
#   * R doubles become integers where Keras needs them (filters, kernel_size, units, pool_size,
#     strides, epochs, batch_size), as R keras's as.integer() conversions do;
#   * R matrices reach Keras row-correct (R is column-major) as float32 (R keras's keras_array()
#     casts to floatx()), labels as float32;
#   * fit() returns a "keras_training_history" (params, metrics), evaluate() a named numeric
#     vector, predict() an n x k matrix; fit/evaluate/predict default to verbose = "auto", and
#     what Keras prints goes to the R console, as reticulate does.
# Any other keras function fails with an R error naming it (see .unsupported below).
#
# Sourced into a private environment (parent: baseenv()) by bridge.py, which sets `.py` (a list
# of Python callbacks) first. attach_keras()/attach_reticulate() put the public functions on the
# search path when the script calls library(keras)/library(reticulate).

.py <- NULL  # set by r_reference/bridge.py

.bridge_file <- "r_reference/keras_bridge.R"

.call_py <- function(name, ..., .call = sys.call(-1L)) {
  res <- .py[[name]](...)
  if (!isTRUE(res$ok)) stop(simpleError(res$error, call = .call))
  res$value
}

.model_class <- c("rpy2bridge_keras_model", "keras.engine.sequential.Sequential",
                  "keras.engine.training.Model")

.handle <- function(object, fn, call = sys.call(-1L)) {
  if (!inherits(object, "rpy2bridge_keras_model")) {
    stop(simpleError(sprintf(
      "%s(): `object` must be a keras model made by keras_model_sequential() (got an object of class %s); the rpy2 bridge supports only the Sequential API",
      fn, paste(class(object), collapse = "/")), call = call))
  }
  get("handle", envir = object, inherits = FALSE)
}

.normalize_shape <- function(shape) {
  # R keras: normalize_shape(): a list of integers, NA/NULL -> None
  if (is.null(shape)) return(NULL)
  lapply(as.list(shape), function(d) if (is.null(d) || is.na(d)) NULL else as.integer(d))
}

.layer_args <- function(args, ints = character()) {
  for (n in intersect(names(args), ints)) {
    v <- args[[n]]
    if (is.numeric(v)) args[n] <- list(if (length(v) == 1L) as.integer(v) else as.list(as.integer(v)))
  }
  for (n in intersect(names(args), c("input_shape", "batch_input_shape"))) {
    args[n] <- list(.normalize_shape(args[[n]]))
  }
  args
}

.compose_layer <- function(object, fn, class_name, args, ints) {
  if (missing(object) || is.null(object)) {
    stop(simpleError(sprintf(
      "%s() without a model (a standalone layer for the functional API) is not provided by the rpy2 bridge; use model %%>%% %s(...)",
      fn, fn), call = sys.call(-1L)))
  }
  call <- sys.call(-1L)
  h <- .handle(object, fn, call = call)
  .call_py("add_layer", h, class_name, .layer_args(args, ints), .call = call)
  object  # visible, as R keras's compose_layer() returns it
}

.named_dots <- function(fn, ...) {
  dots <- list(...)
  if (length(dots) && (is.null(names(dots)) || any(!nzchar(names(dots))))) {
    stop(simpleError(sprintf("%s(): unnamed extra arguments are not supported by the rpy2 bridge", fn),
                     call = sys.call(-1L)))
  }
  dots
}

# ---- the API -------------------------------------------------------------------------------

keras_model_sequential <- function(layers = NULL, name = NULL, ...) {
  dots <- .named_dots("keras_model_sequential", ...)
  if (!is.null(layers) || length(dots)) {
    stop("keras_model_sequential(): only `name` is supported by the rpy2 bridge (add layers with %>% layer_*())")
  }
  h <- .call_py("new_sequential", name)
  m <- new.env(parent = emptyenv())
  assign("handle", h, envir = m)
  class(m) <- .model_class
  m
}

layer_conv_1d <- function(object, filters, kernel_size, ...) {
  args <- c(list(filters = filters, kernel_size = kernel_size), .named_dots("layer_conv_1d", ...))
  .compose_layer(object, "layer_conv_1d", "Conv1D", args,
                 c("filters", "kernel_size", "strides", "dilation_rate", "groups", "batch_size"))
}

layer_max_pooling_1d <- function(object, pool_size = 2L, ...) {
  args <- c(list(pool_size = pool_size), .named_dots("layer_max_pooling_1d", ...))
  .compose_layer(object, "layer_max_pooling_1d", "MaxPooling1D", args, c("pool_size", "strides", "batch_size"))
}

layer_flatten <- function(object, ...) {
  .compose_layer(object, "layer_flatten", "Flatten", .named_dots("layer_flatten", ...), "batch_size")
}

layer_dense <- function(object, units, ...) {
  args <- c(list(units = units), .named_dots("layer_dense", ...))
  .compose_layer(object, "layer_dense", "Dense", args, c("units", "batch_size"))
}

compile <- function(object, optimizer = NULL, loss = NULL, metrics = NULL, ...) {
  h <- .handle(object, "compile")
  args <- .named_dots("compile", ...)
  if (!missing(optimizer)) args["optimizer"] <- list(optimizer)
  if (!missing(loss)) args["loss"] <- list(loss)
  if (!missing(metrics)) args["metrics"] <- list(if (is.null(metrics)) NULL else as.list(metrics))
  .call_py("compile", h, args)
  invisible(object)
}

.unsupported_args <- function(fn, ...) {
  a <- list(...)
  bad <- names(a)[!vapply(a, is.null, TRUE)]
  if (length(bad)) {
    stop(simpleError(sprintf("%s(): argument(s) %s not supported by the rpy2 bridge", fn,
                             paste(sQuote(bad, FALSE), collapse = ", ")), call = sys.call(-1L)))
  }
}

fit <- function(object, x = NULL, y = NULL, batch_size = NULL, epochs = 10,
                verbose = getOption("keras.fit_verbose", default = "auto"), callbacks = NULL,
                view_metrics = getOption("keras.view_metrics", default = "auto"),
                validation_split = 0, validation_data = NULL, shuffle = TRUE,
                class_weight = NULL, sample_weight = NULL, initial_epoch = 0,
                steps_per_epoch = NULL, validation_steps = NULL, ...) {
  h <- .handle(object, "fit")
  .named_dots("fit", ...)
  .unsupported_args("fit", callbacks = callbacks, class_weight = class_weight,
                    sample_weight = sample_weight, steps_per_epoch = steps_per_epoch,
                    validation_steps = validation_steps, ...)
  if (!is.null(validation_data) && !(is.list(validation_data) && length(validation_data) %in% 2:3)) {
    stop("fit(): validation_data must be list(x_val, y_val)")
  }
  args <- list(batch_size = if (is.null(batch_size)) NULL else as.integer(batch_size),
               epochs = as.integer(epochs),
               verbose = if (identical(verbose, "auto")) "auto" else as.integer(verbose),
               validation_split = as.numeric(validation_split),
               shuffle = shuffle,
               initial_epoch = as.integer(initial_epoch))
  res <- .call_py("fit", h, x, y, if (is.null(validation_data)) NULL else validation_data[1:2], args)
  structure(class = "keras_training_history",
            list(params = res$params, metrics = lapply(res$metrics, as.numeric)))
}

evaluate <- function(object, x = NULL, y = NULL, batch_size = NULL, verbose = "auto",
                     sample_weight = NULL, steps = NULL, callbacks = NULL, ...) {
  h <- .handle(object, "evaluate")
  .named_dots("evaluate", ...)
  .unsupported_args("evaluate", sample_weight = sample_weight, steps = steps, callbacks = callbacks, ...)
  args <- list(batch_size = if (is.null(batch_size)) NULL else as.integer(batch_size),
               verbose = if (identical(verbose, "auto")) "auto" else as.integer(verbose))
  res <- .call_py("evaluate", h, x, y, args)
  stats::setNames(as.numeric(res$values), as.character(res$names))
}

predict.rpy2bridge_keras_model <- function(object, x, batch_size = NULL, verbose = "auto",
                                           steps = NULL, callbacks = NULL, ...) {
  h <- .handle(object, "predict")
  .named_dots("predict", ...)
  .unsupported_args("predict", steps = steps, callbacks = callbacks, ...)
  args <- list(batch_size = if (is.null(batch_size)) NULL else as.integer(batch_size),
               verbose = if (identical(verbose, "auto")) "auto" else as.integer(verbose))
  res <- .call_py("predict", h, x, args)
  array(as.numeric(res$values), dim = as.integer(res$dim))
}

print.rpy2bridge_keras_model <- function(x, ...) {
  cat(.call_py("summary", .handle(x, "print")), sep = "")
  invisible(x)
}

summary.rpy2bridge_keras_model <- function(object, ...) {
  print.rpy2bridge_keras_model(object)
}

`$.rpy2bridge_keras_model` <- function(x, name) {
  stop(sprintf("model$%s: Python attribute access (reticulate) is not provided by the rpy2 bridge", name),
       call. = FALSE)
}

print.keras_training_history <- function(x, ...) {
  # As R keras prints a history: the last epoch's metrics.
  cat("\nFinal epoch (plot to see history):\n")
  last <- vapply(x$metrics, function(v) v[length(v)], 0)
  labs <- formatC(names(last), width = max(nchar(names(last))))
  cat(paste0(labs, ": ", format(last, digits = 4), collapse = "\n"), "\n", sep = "")
  invisible(x)
}

plot.keras_training_history <- function(x, ...) .unsupported_stop("plot.keras_training_history")

`%>%` <- magrittr::`%>%`

# ---- what fails clearly --------------------------------------------------------------------

.exports <- c("keras_model_sequential", "layer_conv_1d", "layer_max_pooling_1d", "layer_flatten",
              "layer_dense", "compile", "fit", "evaluate", "%>%")
.s3_methods <- list(c("predict", "rpy2bridge_keras_model"), c("print", "rpy2bridge_keras_model"),
                    c("summary", "rpy2bridge_keras_model"), c("$", "rpy2bridge_keras_model"),
                    c("print", "keras_training_history"), c("plot", "keras_training_history"))

.unsupported_stop <- function(name) {
  stop(simpleError(sprintf(
    "keras function '%s' is not provided by the rpy2 bridge (it implements only %s, and predict() for its models; see %s). Run with the genuine R keras package (keras_backend = \"native\") or extend the bridge.",
    name, paste(setdiff(.exports, "%>%"), collapse = ", "), .bridge_file), call = sys.call(-1L)))
}

# Common R keras functions the article does not use. Each fails with an error naming it.
.unsupported <- c(
  # layers
  "layer_input", "layer_dropout", "layer_spatial_dropout_1d", "layer_spatial_dropout_2d",
  "layer_gaussian_noise", "layer_gaussian_dropout", "layer_alpha_dropout",
  "layer_activation", "layer_activation_relu", "layer_activation_leaky_relu",
  "layer_activation_softmax", "layer_activity_regularization", "layer_masking", "layer_lambda",
  "layer_reshape", "layer_permute", "layer_repeat_vector",
  "layer_conv_2d", "layer_conv_3d", "layer_conv_1d_transpose", "layer_conv_2d_transpose",
  "layer_separable_conv_1d", "layer_separable_conv_2d", "layer_depthwise_conv_2d",
  "layer_max_pooling_2d", "layer_max_pooling_3d", "layer_average_pooling_1d",
  "layer_average_pooling_2d", "layer_global_max_pooling_1d", "layer_global_average_pooling_1d",
  "layer_global_max_pooling_2d", "layer_global_average_pooling_2d",
  "layer_zero_padding_1d", "layer_cropping_1d", "layer_upsampling_1d",
  "layer_batch_normalization", "layer_layer_normalization",
  "layer_embedding", "layer_simple_rnn", "layer_lstm", "layer_gru", "layer_bidirectional",
  "layer_time_distributed", "layer_attention", "layer_multi_head_attention",
  "layer_concatenate", "layer_add", "layer_subtract", "layer_multiply", "layer_average",
  "layer_maximum", "layer_minimum", "layer_dot", "layer_normalization",
  # models
  "keras_model", "keras_model_custom", "clone_model", "get_layer", "pop_layer",
  "get_weights", "set_weights", "freeze_weights", "unfreeze_weights", "count_params",
  "predict_classes", "predict_proba", "predict_on_batch", "train_on_batch", "test_on_batch",
  "fit_generator", "evaluate_generator", "predict_generator",
  "save_model_hdf5", "load_model_hdf5", "save_model_tf", "load_model_tf",
  "save_model_weights_hdf5", "load_model_weights_hdf5", "save_model_weights_tf",
  "load_model_weights_tf", "serialize_model", "unserialize_model", "model_to_json",
  "model_from_json", "plot_model",
  # callbacks
  "callback_early_stopping", "callback_model_checkpoint", "callback_reduce_lr_on_plateau",
  "callback_tensorboard", "callback_csv_logger", "callback_lambda",
  "callback_learning_rate_scheduler", "callback_terminate_on_naan", "callback_progbar_logger",
  "callback_remote_monitor", "callback_backup_and_restore",
  # optimizers, losses, metrics
  "optimizer_adam", "optimizer_sgd", "optimizer_rmsprop", "optimizer_adagrad",
  "optimizer_adadelta", "optimizer_adamax", "optimizer_nadam", "optimizer_ftrl",
  "loss_binary_crossentropy", "loss_categorical_crossentropy",
  "loss_sparse_categorical_crossentropy", "loss_mean_squared_error", "loss_mean_absolute_error",
  "loss_hinge", "loss_huber",
  "metric_auc", "metric_accuracy", "metric_binary_accuracy", "metric_categorical_accuracy",
  "metric_precision", "metric_recall", "metric_mean_squared_error",
  "metric_binary_crossentropy",
  # initializers, regularizers, constraints
  "initializer_glorot_uniform", "initializer_glorot_normal", "initializer_he_normal",
  "initializer_he_uniform", "initializer_random_normal", "initializer_random_uniform",
  "initializer_zeros", "initializer_ones", "initializer_constant", "initializer_orthogonal",
  "regularizer_l1", "regularizer_l2", "regularizer_l1_l2",
  "constraint_maxnorm", "constraint_nonneg", "constraint_unitnorm",
  # data and utilities
  "to_categorical", "normalize", "keras_array", "pad_sequences", "text_tokenizer",
  "fit_text_tokenizer", "texts_to_sequences", "image_data_generator",
  "flow_images_from_directory", "flow_images_from_data", "image_load", "image_to_array",
  "timeseries_generator", "dataset_mnist", "dataset_fashion_mnist", "dataset_cifar10",
  "dataset_imdb", "dataset_boston_housing", "dataset_reuters",
  "application_vgg16", "application_resnet50", "application_mobilenet",
  # backend and installation
  "k_clear_session", "k_set_value", "k_get_value", "backend", "use_backend",
  "use_session_with_seed", "is_keras_available", "install_keras", "keras_version",
  "use_implementation", "implementation", "tensorflow", "tf"
)

# reticulate functions a script might call after library(reticulate).
.unsupported_reticulate <- c(
  "import", "import_main", "import_builtins", "import_from_path", "py_run_string",
  "py_run_file", "py_eval", "source_python", "py_config", "py_available",
  "py_module_available", "py_install", "use_python", "use_virtualenv", "use_condaenv",
  "use_miniconda", "virtualenv_create", "conda_create", "install_miniconda", "r_to_py",
  "py_to_r", "np_array", "tuple", "dict", "py_get_attr", "py_set_attr", "py_help"
)

.make_stub <- function(name, what) {
  force(name)
  if (what == "keras") function(...) .unsupported_stop(name)
  else function(...) stop(simpleError(sprintf(
    "reticulate function '%s' is not provided: in this run R reaches Keras through the rpy2 bridge (%s), not reticulate",
    name, .bridge_file), call = sys.call()))
}

.attached <- new.env(parent = emptyenv())

attach_keras <- function() {
  if (isTRUE(.attached$keras)) return(invisible(FALSE))
  e <- new.env(parent = emptyenv())
  for (n in .unsupported) assign(n, .make_stub(n, "keras"), envir = e)
  for (n in .exports) assign(n, get(n), envir = e)
  for (m in .s3_methods) {
    registerS3method(m[[1L]], m[[2L]], get(paste0(m[[1L]], ".", m[[2L]])),
                     envir = asNamespace(if (m[[1L]] %in% c("predict")) "stats" else "base"))
  }
  attach(e, pos = 2L, name = "rpy2bridge:keras", warn.conflicts = FALSE)
  .attached$keras <- TRUE
  invisible(TRUE)
}

attach_reticulate <- function() {
  if (isTRUE(.attached$reticulate)) return(invisible(FALSE))
  e <- new.env(parent = emptyenv())
  for (n in .unsupported_reticulate) assign(n, .make_stub(n, "reticulate"), envir = e)
  attach(e, pos = 2L, name = "rpy2bridge:reticulate", warn.conflicts = FALSE)
  .attached$reticulate <- TRUE
  invisible(TRUE)
}

model_handle <- function(model) {
  if (inherits(model, "rpy2bridge_keras_model")) get("handle", envir = model, inherits = FALSE) else NULL
}
