# The rpy2 keras bridge, R side: the R keras API that small sequential and functional models use,
# as thin R functions that call the host Python's Keras through rpy2 callbacks
# (rpy2.rinterface.rternalize; Python side: r_reference/bridge.py).
#
# Why not reticulate: Debian's r-cran-reticulate 1.28 refuses NumPy 2, and TensorFlow 2.21 needs
# NumPy 2 (shared/design.md), so R cannot reach Keras through reticulate on this machine.
#
# Faithful to R keras 2.x (argument names and defaults of R keras 2.15.0, the last 2.x release,
# rstudio/keras tag v2.15.0) where it matters for the numbers:
#   * each function has R keras's formals (an argument R keras does not have is R's own
#     "unused argument" error) and converts its arguments as R keras does (as.integer() for
#     units/filters/sizes, normalize_shape() for shapes, as_axis() where R keras counts axes from
#     1), then calls the Keras class R keras calls, with the arguments R keras passes;
#   * R keras passes some arguments with its own defaults; the bridge passes an argument the
#     script did not give only where R keras's default differs from Keras's own (so the recorded
#     call reads like the script, and behaves as R keras's call);
#   * any argument Keras 3 has no counterpart for (batch_input_shape, weights, jit_compile,
#     decay, ...) is an R error naming the function and the argument, never dropped;
#   * R matrices reach Keras row-correct (R is column-major) as float32 (R keras's keras_array()
#     casts doubles to floatx()), labels as float32;
#   * fit() returns a "keras_training_history" (params, metrics), invisibly; evaluate() a named
#     numeric vector; predict() an n x k matrix; fit/evaluate/predict default to batch_size 32
#     and verbose = "auto", and what Keras prints goes to the R console, as reticulate does;
#   * layer functions return the model invisibly (R keras's create_layer()).
# Seeding: tensorflow::set_random_seed(seed) (also after library(tensorflow)) does what R's
# tensorflow does: set.seed(seed) in R, Python/NumPy/TensorFlow seeds (here
# python_impl.model.seed_everything(seed), which also seeds Keras 3), CUDA_VISIBLE_DEVICES=-1.
# use_session_with_seed() stops as R's tensorflow >= 2.4 does with TensorFlow >= 2.3.
# Any other keras function fails with an R error naming it (see .unsupported below).
#
# Sourced into a private environment (parent: baseenv()) by bridge.py, which sets `.py` (a list
# of Python callbacks) first. attach_keras()/attach_tensorflow()/attach_reticulate() put the
# public functions on the search path when the script calls library(keras)/library(tensorflow)/
# library(reticulate); attach_namespaces() answers keras::fn / tensorflow::fn from the start.

.py <- NULL  # set by r_reference/bridge.py

.bridge_file <- "r_reference/keras_bridge.R"

.call_py <- function(name, ..., .call = sys.call(-1L)) {
  res <- .py[[name]](...)
  if (!isTRUE(res$ok)) stop(simpleError(res$error, call = .call))
  res$value
}

.stop <- function(msg, call = sys.call(-1L)) stop(simpleError(msg, call = call))

.model_class <- function(kind) {
  c("rpy2bridge_keras_model",
    if (kind == "sequential") "keras.engine.sequential.Sequential",
    "keras.engine.functional.Functional", "keras.engine.training.Model")
}

.new_model <- function(h, kind) {
  m <- new.env(parent = emptyenv())
  assign("handle", h, envir = m)
  assign("kind", kind, envir = m)
  class(m) <- .model_class(kind)
  m
}

.handle <- function(object, fn, call = sys.call(-1L)) {
  if (!inherits(object, "rpy2bridge_keras_model")) {
    .stop(sprintf(
      "%s(): `object` must be a keras model made by keras_model_sequential() or keras_model() (got an object of class %s)",
      fn, paste(class(object), collapse = "/")), call = call)
  }
  get("handle", envir = object, inherits = FALSE)
}

# A Python object the bridge holds (optimizer, loss, metric, regularizer, callback, tensor):
# R sees its handle and the Keras call that made it; bridge.py resolves the handle.
.object <- function(res, kind) {
  structure(list(handle = res$handle, repr = res$repr),
            class = c("rpy2bridge_keras_object", paste0("rpy2bridge_keras_", kind)))
}

# A Keras function (not an instance) given by an R keras function passed uncalled,
# e.g. compile(loss = loss_binary_crossentropy): R keras passes the R function, which calls it.
.fn_ref <- function(path) structure(list(path = path), class = "rpy2bridge_keras_fn")

# ---- argument conversions, as R keras 2.15 (R/layers-core.R, R/backend.R) -----------------

.as_nullable_integer <- function(x) if (is.null(x)) x else as.integer(x)

.as_integer_tuple <- function(x, force_tuple = FALSE) {
  if (is.null(x)) x
  else if (is.list(x) || force_tuple) as.list(as.integer(x))
  else as.integer(x)
}

.normalize_shape <- function(shape) {
  # R keras normalize_shape(): each dimension an integer, NA/NULL -> None; always a tuple
  # (bridge.py makes a tuple of every shape argument).
  if (is.null(shape)) return(NULL)
  lapply(as.list(shape), function(d) if (is.null(d) || (length(d) == 1L && is.na(d))) NULL else as.integer(d))
}

.as_axis <- function(axis) {
  # R keras as_axis(): axes count from 1 in R; negative axes count from the end.
  if (is.null(axis)) return(NULL)
  if (length(axis) > 1L) return(lapply(axis, .as_axis))
  axis <- as.integer(axis)
  if (axis == 0L) stop("`axis` argument is 1 based, received 0")
  if (axis > 0L) axis - 1L else axis
}

.supplied <- function(mc) setdiff(names(as.list(mc))[-1L], c("object", ""))

.named_dots <- function(fn, ..., call = sys.call(-1L)) {
  dots <- list(...)
  if (length(dots) && (is.null(names(dots)) || any(!nzchar(names(dots))))) {
    .stop(sprintf("%s(): unnamed extra arguments are not supported by the rpy2 bridge", fn), call = call)
  }
  dots
}

# R keras capture_args(): the arguments the call supplied (formals and named `...`), with
# modifiers applied; unsupplied formals are not passed (Keras's own defaults apply).
.capture_args <- function(mc, fn, envir, modifiers = list(), ignore = character()) {
  fmls <- names(formals(fn))
  known <- setdiff(intersect(names(as.list(mc))[-1L], fmls), c(ignore, "..."))
  args <- if (length(known)) mget(known, envir = envir) else list()
  if ("..." %in% fmls) {
    dots <- eval(quote(list(...)), envir)
    if (length(dots) && (is.null(names(dots)) || any(!nzchar(names(dots))))) {
      .stop(sprintf("%s(): unnamed extra arguments are not supported by the rpy2 bridge",
                    as.character(mc[[1L]])[1L]), call = mc)
    }
    args <- c(args, dots[setdiff(names(dots), ignore)])
  }
  for (nm in intersect(names(args), names(modifiers))) args[nm] <- list(modifiers[[nm]](args[[nm]]))
  args
}

.unsupported_args <- function(fn, ..., call = sys.call(-1L)) {
  a <- list(...)
  bad <- names(a)[!vapply(a, is.null, TRUE)]
  if (length(bad)) {
    .stop(sprintf("%s(): argument(s) %s not supported by the rpy2 bridge", fn,
                  paste(sQuote(bad, FALSE), collapse = ", ")), call = call)
  }
}

# ---- layers -------------------------------------------------------------------------------

# R keras create_layer(): drop the NULLs it may drop, build the layer, add it to a Sequential
# model (returned invisibly) or call it on a tensor of the functional API (the new tensor).
.create_layer <- function(fn, class_name, object, args, supplied) {
  call <- sys.call(-1L)
  for (nm in c("input_shape", "batch_input_shape", "batch_size", "dtype", "name", "trainable", "weights")) {
    args[[nm]] <- args[[nm]]
  }
  if (missing(object) || is.null(object)) {
    .stop(sprintf(
      "%s() without a model or tensor (a standalone layer object) is not provided by the rpy2 bridge; use model %%>%% %s(...) or tensor %%>%% %s(...)",
      fn, fn, fn), call = call)
  }
  if (inherits(object, "rpy2bridge_keras_model")) {
    .call_py("add_layer", .handle(object, fn, call = call), fn, class_name, args, supplied, .call = call)
    return(invisible(object))
  }
  if (inherits(object, "rpy2bridge_keras_tensor")) {
    return(.object(.call_py("apply_layer", object, fn, class_name, args, supplied, .call = call), "tensor"))
  }
  .stop(sprintf("%s(): `object` must be a keras model or a tensor from layer_input() (got an object of class %s)",
                fn, paste(class(object), collapse = "/")), call = call)
}

layer_input <- function(shape = NULL, batch_shape = NULL, name = NULL, dtype = NULL,
                        sparse = FALSE, tensor = NULL, ragged = FALSE) {
  args <- .capture_args(match.call(), sys.function(), environment(),
                        list(shape = .normalize_shape, batch_shape = .normalize_shape))
  .object(.call_py("new_input", args), "tensor")
}

# The arguments R keras's kernel layers (dense, conv) pass on alike, every one of them as R keras
# does (supplied or not), read from the layer function's own frame `envir`: shapes normalised,
# integers made integer.
.kernel_layer_args <- function(envir) {
  c(mget(c("activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
           "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint", "dtype",
           "name", "trainable", "weights"), envir = envir),
    list(input_shape = .normalize_shape(envir$input_shape),
         batch_input_shape = .normalize_shape(envir$batch_input_shape),
         batch_size = .as_nullable_integer(envir$batch_size)))
}

.conv_layer_args <- function(envir) {
  c(list(filters = as.integer(envir$filters), kernel_size = .as_integer_tuple(envir$kernel_size),
         strides = .as_integer_tuple(envir$strides), padding = envir$padding,
         data_format = envir$data_format, dilation_rate = .as_integer_tuple(envir$dilation_rate),
         groups = as.integer(envir$groups)),
    .kernel_layer_args(envir))
}

layer_dense <- function(object, units, activation = NULL, use_bias = TRUE,
                        kernel_initializer = "glorot_uniform", bias_initializer = "zeros",
                        kernel_regularizer = NULL, bias_regularizer = NULL, activity_regularizer = NULL,
                        kernel_constraint = NULL, bias_constraint = NULL, input_shape = NULL,
                        batch_input_shape = NULL, batch_size = NULL, dtype = NULL,
                        name = NULL, trainable = NULL, weights = NULL) {
  .create_layer("layer_dense", "Dense", object,
                c(list(units = as.integer(units)), .kernel_layer_args(environment())), .supplied(match.call()))
}

layer_conv_1d <- function(object, filters, kernel_size, strides = 1L, padding = "valid",
                          data_format = "channels_last", dilation_rate = 1L, groups = 1L,
                          activation = NULL, use_bias = TRUE, kernel_initializer = "glorot_uniform",
                          bias_initializer = "zeros", kernel_regularizer = NULL, bias_regularizer = NULL,
                          activity_regularizer = NULL, kernel_constraint = NULL, bias_constraint = NULL,
                          input_shape = NULL, batch_input_shape = NULL, batch_size = NULL, dtype = NULL,
                          name = NULL, trainable = NULL, weights = NULL) {
  .create_layer("layer_conv_1d", "Conv1D", object, .conv_layer_args(environment()), .supplied(match.call()))
}

layer_conv_2d <- function(object, filters, kernel_size, strides = c(1L, 1L), padding = "valid",
                          data_format = NULL, dilation_rate = c(1L, 1L), groups = 1L,
                          activation = NULL, use_bias = TRUE, kernel_initializer = "glorot_uniform",
                          bias_initializer = "zeros", kernel_regularizer = NULL, bias_regularizer = NULL,
                          activity_regularizer = NULL, kernel_constraint = NULL, bias_constraint = NULL,
                          input_shape = NULL, batch_input_shape = NULL, batch_size = NULL, dtype = NULL,
                          name = NULL, trainable = NULL, weights = NULL) {
  .create_layer("layer_conv_2d", "Conv2D", object, .conv_layer_args(environment()), .supplied(match.call()))
}

.pooling <- function(fn, class_name, object, pool_size, strides, padding, data_format, batch_size,
                     name, trainable, weights, supplied) {
  .create_layer(fn, class_name, object, list(
    pool_size = as.integer(pool_size), strides = .as_nullable_integer(strides), padding = padding,
    data_format = data_format, batch_size = .as_nullable_integer(batch_size), name = name,
    trainable = trainable, weights = weights), supplied)
}

layer_max_pooling_1d <- function(object, pool_size = 2L, strides = NULL, padding = "valid",
                                 data_format = "channels_last", batch_size = NULL, name = NULL,
                                 trainable = NULL, weights = NULL) {
  .pooling("layer_max_pooling_1d", "MaxPooling1D", object, pool_size, strides, padding,
           match.arg(data_format, c("channels_last", "channels_first")), batch_size, name,
           trainable, weights, .supplied(match.call()))
}

layer_max_pooling_2d <- function(object, pool_size = c(2L, 2L), strides = NULL, padding = "valid",
                                 data_format = NULL, batch_size = NULL, name = NULL,
                                 trainable = NULL, weights = NULL) {
  .pooling("layer_max_pooling_2d", "MaxPooling2D", object, pool_size, strides, padding, data_format,
           batch_size, name, trainable, weights, .supplied(match.call()))
}

layer_average_pooling_1d <- function(object, pool_size = 2L, strides = NULL, padding = "valid",
                                     data_format = "channels_last", batch_size = NULL, name = NULL,
                                     trainable = NULL, weights = NULL) {
  .pooling("layer_average_pooling_1d", "AveragePooling1D", object, pool_size, strides, padding,
           data_format, batch_size, name, trainable, weights, .supplied(match.call()))
}

layer_average_pooling_2d <- function(object, pool_size = c(2L, 2L), strides = NULL, padding = "valid",
                                     data_format = NULL, batch_size = NULL, name = NULL,
                                     trainable = NULL, weights = NULL) {
  .pooling("layer_average_pooling_2d", "AveragePooling2D", object, pool_size, strides, padding,
           data_format, batch_size, name, trainable, weights, .supplied(match.call()))
}

.global_pooling <- function(fn, class_name, mc, f, envir, object) {
  args <- .capture_args(mc, f, envir, list(batch_size = .as_nullable_integer), ignore = "object")
  .create_layer(fn, class_name, object, args, names(args))
}

layer_global_max_pooling_1d <- function(object, data_format = "channels_last", keepdims = FALSE, ...) {
  .global_pooling("layer_global_max_pooling_1d", "GlobalMaxPooling1D", match.call(), sys.function(),
                  environment(), object)
}

layer_global_average_pooling_1d <- function(object, data_format = "channels_last", keepdims = FALSE, ...) {
  .global_pooling("layer_global_average_pooling_1d", "GlobalAveragePooling1D", match.call(),
                  sys.function(), environment(), object)
}

layer_global_max_pooling_2d <- function(object, data_format = NULL, keepdims = FALSE, ...) {
  .global_pooling("layer_global_max_pooling_2d", "GlobalMaxPooling2D", match.call(), sys.function(),
                  environment(), object)
}

layer_global_average_pooling_2d <- function(object, data_format = NULL, keepdims = FALSE, ...) {
  .global_pooling("layer_global_average_pooling_2d", "GlobalAveragePooling2D", match.call(),
                  sys.function(), environment(), object)
}

layer_flatten <- function(object, data_format = NULL, input_shape = NULL, dtype = NULL,
                          name = NULL, trainable = NULL, weights = NULL) {
  .create_layer("layer_flatten", "Flatten", object, list(
    input_shape = .normalize_shape(input_shape), dtype = dtype, name = name, trainable = trainable,
    weights = weights, data_format = data_format), .supplied(match.call()))
}

layer_reshape <- function(object, target_shape, input_shape = NULL, batch_input_shape = NULL,
                          batch_size = NULL, dtype = NULL, name = NULL, trainable = NULL,
                          weights = NULL) {
  .create_layer("layer_reshape", "Reshape", object, list(
    target_shape = .normalize_shape(target_shape), input_shape = .normalize_shape(input_shape),
    batch_input_shape = .normalize_shape(batch_input_shape),
    batch_size = .as_nullable_integer(batch_size), dtype = dtype, name = name,
    trainable = trainable, weights = weights), .supplied(match.call()))
}

layer_dropout <- function(object, rate, noise_shape = NULL, seed = NULL, input_shape = NULL,
                          batch_input_shape = NULL, batch_size = NULL, name = NULL,
                          trainable = NULL, weights = NULL) {
  # R keras passes `seed` unconverted; Keras 3 needs an integer seed, so it becomes as.integer().
  .create_layer("layer_dropout", "Dropout", object, list(
    rate = rate, noise_shape = .normalize_shape(noise_shape), seed = .as_nullable_integer(seed),
    input_shape = .normalize_shape(input_shape), batch_input_shape = .normalize_shape(batch_input_shape),
    batch_size = .as_nullable_integer(batch_size), name = name, trainable = trainable,
    weights = weights), .supplied(match.call()))
}

layer_activation <- function(object, activation, input_shape = NULL, batch_input_shape = NULL,
                             batch_size = NULL, dtype = NULL, name = NULL, trainable = NULL,
                             weights = NULL) {
  .create_layer("layer_activation", "Activation", object, list(
    activation = activation, input_shape = .normalize_shape(input_shape),
    batch_input_shape = .normalize_shape(batch_input_shape),
    batch_size = .as_nullable_integer(batch_size), dtype = dtype, name = name,
    trainable = trainable, weights = weights), .supplied(match.call()))
}

layer_activation_relu <- function(object, max_value = NULL, negative_slope = 0, threshold = 0,
                                  input_shape = NULL, batch_input_shape = NULL, batch_size = NULL,
                                  dtype = NULL, name = NULL, trainable = NULL, weights = NULL) {
  .create_layer("layer_activation_relu", "ReLU", object, list(
    max_value = max_value, input_shape = .normalize_shape(input_shape),
    batch_input_shape = .normalize_shape(batch_input_shape),
    batch_size = .as_nullable_integer(batch_size), dtype = dtype, name = name,
    trainable = trainable, weights = weights, negative_slope = negative_slope,
    threshold = threshold), .supplied(match.call()))
}

layer_activation_leaky_relu <- function(object, alpha = 0.3, input_shape = NULL,
                                        batch_input_shape = NULL, batch_size = NULL, dtype = NULL,
                                        name = NULL, trainable = NULL, weights = NULL) {
  # Keras 3 calls R keras's `alpha` negative_slope (bridge.py renames it).
  .create_layer("layer_activation_leaky_relu", "LeakyReLU", object, list(
    alpha = alpha, input_shape = .normalize_shape(input_shape),
    batch_input_shape = .normalize_shape(batch_input_shape),
    batch_size = .as_nullable_integer(batch_size), dtype = dtype, name = name,
    trainable = trainable, weights = weights), .supplied(match.call()))
}

layer_activation_softmax <- function(object, axis = -1, input_shape = NULL, batch_input_shape = NULL,
                                     batch_size = NULL, dtype = NULL, name = NULL, trainable = NULL,
                                     weights = NULL) {
  # as.integer(axis), not as_axis(): R keras 2.15 passes this axis 0-based as given.
  .create_layer("layer_activation_softmax", "Softmax", object, list(
    axis = as.integer(axis), input_shape = .normalize_shape(input_shape),
    batch_input_shape = .normalize_shape(batch_input_shape),
    batch_size = .as_nullable_integer(batch_size), dtype = dtype, name = name,
    trainable = trainable, weights = weights), .supplied(match.call()))
}

layer_batch_normalization <- function(object, axis = -1L, momentum = 0.99, epsilon = 0.001,
                                      center = TRUE, scale = TRUE, beta_initializer = "zeros",
                                      gamma_initializer = "ones", moving_mean_initializer = "zeros",
                                      moving_variance_initializer = "ones", beta_regularizer = NULL,
                                      gamma_regularizer = NULL, beta_constraint = NULL,
                                      gamma_constraint = NULL, synchronized = FALSE, ...) {
  args <- .capture_args(match.call(), sys.function(), environment(),
                        list(axis = .as_axis, input_shape = .normalize_shape,
                             batch_input_shape = .normalize_shape, batch_size = .as_nullable_integer,
                             virtual_batch_size = .as_nullable_integer), ignore = "object")
  .create_layer("layer_batch_normalization", "BatchNormalization", object, args, names(args))
}

# ---- models -------------------------------------------------------------------------------

keras_model_sequential <- function(layers = NULL, name = NULL, ...) {
  # R keras: `...` makes an InputLayer (sequential_model_input_layer()) put first.
  if (!is.null(layers)) {
    .stop("keras_model_sequential(): `layers` (a list of standalone layer objects) is not supported by the rpy2 bridge; add layers with model %>% layer_*()")
  }
  input <- .capture_input_layer(...)
  m <- .new_model(.call_py("new_sequential", name, input), "sequential")
  m
}

.capture_input_layer <- function(input_shape = NULL, batch_size = NULL, dtype = NULL,
                                 input_tensor = NULL, sparse = NULL, name = NULL, ragged = NULL,
                                 type_spec = NULL, ..., input_layer_name = NULL) {
  .named_dots("keras_model_sequential", ..., call = sys.call(-1L))
  mc <- match.call()
  if (!length(as.list(mc)[-1L])) return(NULL)
  args <- .capture_args(mc, sys.function(), environment(),
                        list(input_shape = .normalize_shape, batch_size = .as_nullable_integer))
  if ("input_layer_name" %in% names(args)) {
    if (!is.null(args[["input_layer_name"]])) args[["name"]] <- args[["input_layer_name"]]
    args[["input_layer_name"]] <- NULL
  }
  args
}

keras_model <- function(inputs, outputs = NULL, ...) {
  dots <- .named_dots("keras_model", ...)
  .new_model(.call_py("new_functional", inputs, outputs, dots), "functional")
}

compile <- function(object, optimizer = NULL, loss = NULL, metrics = NULL, loss_weights = NULL,
                    weighted_metrics = NULL, run_eagerly = NULL, steps_per_execution = NULL, ...,
                    target_tensors = NULL, sample_weight_mode = NULL) {
  call <- sys.call()
  h <- .handle(object, "compile")
  .unsupported_args("compile", target_tensors = target_tensors, sample_weight_mode = sample_weight_mode)
  if (is.function(optimizer)) {
    .stop("compile(): `optimizer` is an R function; call it (e.g. optimizer_adam()) or give a name (\"adam\")")
  }
  if (!is.null(metrics)) {
    # R keras: one object or function -> a list; a character vector -> a list of strings;
    # names are dropped (they name R custom metrics only).
    if (is.function(metrics) || inherits(metrics, "rpy2bridge_keras_object")) metrics <- list(metrics)
    if (is.character(metrics)) metrics <- as.list(metrics)
    metrics <- lapply(unname(as.list(metrics)), .as_loss_or_metric, what = "metrics", call = call)
  }
  if (!is.null(weighted_metrics)) {
    if (is.function(weighted_metrics) || inherits(weighted_metrics, "rpy2bridge_keras_object")) {
      weighted_metrics <- list(weighted_metrics)
    }
    weighted_metrics <- lapply(unname(as.list(weighted_metrics)), .as_loss_or_metric,
                               what = "weighted_metrics", call = call)
  }
  if (is.numeric(loss_weights)) loss_weights <- as.list(loss_weights)
  args <- list(optimizer = optimizer, loss = if (is.null(loss)) NULL else .as_loss_or_metric(loss, "loss", call),
               metrics = metrics, loss_weights = loss_weights, weighted_metrics = weighted_metrics,
               run_eagerly = run_eagerly,
               steps_per_execution = .as_nullable_integer(steps_per_execution))
  for (nm in names(args)) args[[nm]] <- args[[nm]]  # drop NULLs, as R keras does
  args <- c(args, .named_dots("compile", ...))
  .call_py("compile", h, args)
  invisible(object)
}

.as_loss_or_metric <- function(x, what, call) {
  if (is.function(x)) {
    path <- attr(x, "rpy2bridge_keras_fn", exact = TRUE)
    if (is.null(path)) {
      .stop(sprintf("compile(): a custom R function in `%s` is not supported by the rpy2 bridge (give a name, a loss_*()/metric_*() object, or a bridged loss_*/metric_* function)", what),
            call = call)
    }
    return(.fn_ref(path))
  }
  x
}

fit <- function(object, x = NULL, y = NULL, batch_size = NULL, epochs = 10,
                verbose = getOption("keras.fit_verbose", default = "auto"), callbacks = NULL,
                view_metrics = getOption("keras.view_metrics", default = "auto"),
                validation_split = 0, validation_data = NULL, shuffle = TRUE,
                class_weight = NULL, sample_weight = NULL, initial_epoch = 0,
                steps_per_epoch = NULL, validation_steps = NULL, ...) {
  # view_metrics only chooses RStudio's live plot (R keras resolve_view_metrics()): no effect here.
  h <- .handle(object, "fit")
  .named_dots("fit", ...)
  .unsupported_args("fit", steps_per_epoch = steps_per_epoch, validation_steps = validation_steps, ...)
  if (!is.null(validation_data) && !(is.list(validation_data) && length(validation_data) %in% 2:3)) {
    stop("fit(): validation_data must be list(x_val, y_val) or list(x_val, y_val, sample_weight_val)")
  }
  if (is.null(batch_size) && is.null(steps_per_epoch)) batch_size <- 32L  # R keras's default
  if (!is.null(callbacks) && !is.list(callbacks)) callbacks <- list(callbacks)
  args <- list(batch_size = .as_nullable_integer(batch_size),
               epochs = as.integer(epochs),
               verbose = .verbose_arg(verbose),
               validation_split = validation_split,
               shuffle = shuffle,
               class_weight = .as_class_weight(class_weight),
               initial_epoch = as.integer(initial_epoch))
  args[["class_weight"]] <- args[["class_weight"]]
  res <- .call_py("fit", h, x, y, validation_data, sample_weight, callbacks, args)
  invisible(structure(class = "keras_training_history",
                      list(params = res$params, metrics = lapply(res$metrics, as.numeric))))
}

.verbose_arg <- function(verbose) if (identical(verbose, "auto")) "auto" else as.integer(verbose)

.as_class_weight <- function(class_weight) {
  # R keras: dict(class_weight); reticulate's dict() makes names of digits integer keys.
  if (is.null(class_weight)) return(NULL)
  if (!is.list(class_weight)) stop("class_weight must be a named list of weights")
  if (is.null(names(class_weight)) || any(!nzchar(names(class_weight)))) {
    stop("class_weight must be a named list of weights, e.g. list(\"0\" = 1, \"1\" = 2)")
  }
  class_weight
}

evaluate <- function(object, x = NULL, y = NULL, batch_size = NULL, verbose = "auto",
                     sample_weight = NULL, steps = NULL, callbacks = NULL, ...) {
  h <- .handle(object, "evaluate")
  .named_dots("evaluate", ...)
  .unsupported_args("evaluate", steps = steps, callbacks = callbacks, ...)
  if (is.null(batch_size)) batch_size <- 32L
  args <- list(batch_size = as.integer(batch_size), verbose = .verbose_arg(verbose))
  res <- .call_py("evaluate", h, x, y, sample_weight, args)
  stats::setNames(as.numeric(res$values), as.character(res$names))
}

predict.rpy2bridge_keras_model <- function(object, x, batch_size = NULL, verbose = "auto",
                                           steps = NULL, callbacks = NULL, ...) {
  h <- .handle(object, "predict")
  .named_dots("predict", ...)
  .unsupported_args("predict", steps = steps, callbacks = callbacks, ...)
  if (is.null(batch_size)) batch_size <- 32L
  args <- list(batch_size = as.integer(batch_size), verbose = .verbose_arg(verbose))
  .r_array(.call_py("predict", h, x, args))
}

.r_array <- function(res) {
  # bridge.py sends an array's values in R's (column-major) order with its dim
  v <- if (identical(res$type, "integer")) as.integer(res$values) else as.numeric(res$values)
  array(v, dim = as.integer(res$dim))
}

count_params <- function(object) {
  .call_py("count_params", .handle(object, "count_params"))
}

get_weights <- function(object, trainable = NA) {
  if (!(identical(trainable, NA) || isTRUE(trainable) || isFALSE(trainable))) {
    stop("`trainable` must be NA, TRUE, or FALSE")
  }
  which <- if (is.na(trainable)) "all" else if (isTRUE(trainable)) "trainable" else "non_trainable"
  lapply(.call_py("get_weights", .handle(object, "get_weights"), which), .r_array)
}

set_weights <- function(object, weights) {
  if (!is.list(weights)) stop("set_weights(): `weights` must be a list of arrays (as get_weights() returns)")
  .call_py("set_weights", .handle(object, "set_weights"), weights)
  invisible(object)
}

print.rpy2bridge_keras_model <- function(x, ...) {
  cat(.call_py("summary", .handle(x, "print")), sep = "")
  invisible(x)
}

summary.rpy2bridge_keras_model <- function(object, ...) {
  print.rpy2bridge_keras_model(object)
}

`$.rpy2bridge_keras_model` <- function(x, name) {
  # The few methods R keras users call through reticulate's `$`; anything else fails clearly.
  switch(name,
    count_params = function() count_params(x),
    get_weights = function() get_weights(x),
    set_weights = function(weights) set_weights(x, weights),
    summary = function(...) summary.rpy2bridge_keras_model(x),
    stop(sprintf("model$%s: Python attribute access (reticulate) is not provided by the rpy2 bridge (it answers model$count_params(), $get_weights(), $set_weights(), $summary())", name),
         call. = FALSE))
}

print.rpy2bridge_keras_object <- function(x, ...) {
  cat("<", x$repr, ">\n", sep = "")
  invisible(x)
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

# ---- optimizers (R keras 2.15 R/optimizers.R: capture_args(), only what the call gave) -------

.optimizer <- function(fn, class_name, mc, f, envir, modifiers = list()) {
  args <- .capture_args(mc, f, envir, modifiers)
  if ("lr" %in% names(args)) {
    # R keras 2.6-2.10 (backcompat_fix_rename_lr_to_learning_rate()): `lr` is learning_rate.
    if ("learning_rate" %in% names(args)) stop("You can't supply both `lr` and `learning_rate`")
    warning(sprintf(paste(
      "the `lr` argument has been renamed to `learning_rate`; the rpy2 bridge uses it as",
      "learning_rate = %s, as R keras 2.6-2.10 did (R keras 2.11-2.15 pass `lr` on to Keras,",
      "whose optimizers ignore it, leaving the default learning rate)"), format(args$lr)), call. = FALSE)
    names(args)[names(args) == "lr"] <- "learning_rate"
  }
  .object(.call_py("new_object", "optimizer", fn, paste0("optimizers.", class_name), args, names(args),
                   .call = sys.call(-1L)), "optimizer")
}

optimizer_adam <- function(learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-07,
                           amsgrad = FALSE, weight_decay = NULL, clipnorm = NULL, clipvalue = NULL,
                           global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99,
                           ema_overwrite_frequency = NULL, jit_compile = TRUE, name = "Adam", ...) {
  .optimizer("optimizer_adam", "Adam", match.call(), sys.function(), environment())
}

optimizer_sgd <- function(learning_rate = 0.01, momentum = 0, nesterov = FALSE, amsgrad = FALSE,
                          weight_decay = NULL, clipnorm = NULL, clipvalue = NULL,
                          global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99,
                          ema_overwrite_frequency = NULL, jit_compile = TRUE, name = "SGD", ...) {
  .optimizer("optimizer_sgd", "SGD", match.call(), sys.function(), environment())
}

optimizer_rmsprop <- function(learning_rate = 0.001, rho = 0.9, momentum = 0, epsilon = 1e-07,
                              centered = FALSE, weight_decay = NULL, clipnorm = NULL,
                              clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE,
                              ema_momentum = 0.99, ema_overwrite_frequency = 100L,
                              jit_compile = TRUE, name = "RMSprop", ...) {
  .optimizer("optimizer_rmsprop", "RMSprop", match.call(), sys.function(), environment(),
             list(ema_overwrite_frequency = as.integer))
}

optimizer_adagrad <- function(learning_rate = 0.001, initial_accumulator_value = 0.1,
                              epsilon = 1e-07, weight_decay = NULL, clipnorm = NULL,
                              clipvalue = NULL, global_clipnorm = NULL, use_ema = FALSE,
                              ema_momentum = 0.99, ema_overwrite_frequency = NULL,
                              jit_compile = TRUE, name = "Adagrad", ...) {
  .optimizer("optimizer_adagrad", "Adagrad", match.call(), sys.function(), environment())
}

optimizer_nadam <- function(learning_rate = 0.001, beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-07,
                            weight_decay = NULL, clipnorm = NULL, clipvalue = NULL,
                            global_clipnorm = NULL, use_ema = FALSE, ema_momentum = 0.99,
                            ema_overwrite_frequency = NULL, jit_compile = TRUE, name = "Nadam", ...) {
  .optimizer("optimizer_nadam", "Nadam", match.call(), sys.function(), environment())
}

# ---- losses and metrics (R keras 2.15 R/losses.R, R/metrics.R) -----------------------------
# Called without y_true/y_pred: the Keras class instance (loss_binary_crossentropy() ->
# BinaryCrossentropy()); passed uncalled to compile(): the Keras function of that name.

.loss_or_metric <- function(kind, fn, class_name, mc, f, envir, computed, modifiers = list()) {
  if (computed) {
    .stop(sprintf("%s(y_true, y_pred): computing a %s value directly is not provided by the rpy2 bridge; pass %s() or %s to compile()",
                  fn, kind, fn, fn), call = sys.call(-1L))
  }
  args <- .capture_args(mc, f, envir, modifiers, ignore = c("y_true", "y_pred"))
  path <- paste0(if (kind == "loss") "losses." else "metrics.", class_name)
  .object(.call_py("new_object", kind, fn, path, args, names(args), .call = sys.call(-1L)), kind)
}

.with_fn <- function(f, path) {
  attr(f, "py_function_name") <- sub("^.*\\.", "", path)
  attr(f, "rpy2bridge_keras_fn") <- path
  f
}

loss_binary_crossentropy <- .with_fn(function(y_true, y_pred, from_logits = FALSE, label_smoothing = 0,
                                              axis = -1L, ..., reduction = "auto",
                                              name = "binary_crossentropy") {
  .loss_or_metric("loss", "loss_binary_crossentropy", "BinaryCrossentropy", match.call(), sys.function(),
                  environment(), !(missing(y_true) && missing(y_pred)), list(axis = .as_axis))
}, "losses.binary_crossentropy")

loss_categorical_crossentropy <- .with_fn(function(y_true, y_pred, from_logits = FALSE,
                                                   label_smoothing = 0L, axis = -1L, ...,
                                                   reduction = "auto", name = "categorical_crossentropy") {
  .loss_or_metric("loss", "loss_categorical_crossentropy", "CategoricalCrossentropy", match.call(),
                  sys.function(), environment(), !(missing(y_true) && missing(y_pred)), list(axis = .as_axis))
}, "losses.categorical_crossentropy")

loss_sparse_categorical_crossentropy <- .with_fn(function(y_true, y_pred, from_logits = FALSE, axis = -1L,
                                                          ..., reduction = "auto",
                                                          name = "sparse_categorical_crossentropy") {
  .loss_or_metric("loss", "loss_sparse_categorical_crossentropy", "SparseCategoricalCrossentropy",
                  match.call(), sys.function(), environment(), !(missing(y_true) && missing(y_pred)),
                  list(axis = .as_axis))
}, "losses.sparse_categorical_crossentropy")

loss_mean_squared_error <- .with_fn(function(y_true, y_pred, ..., reduction = "auto",
                                             name = "mean_squared_error") {
  .loss_or_metric("loss", "loss_mean_squared_error", "MeanSquaredError", match.call(), sys.function(),
                  environment(), !(missing(y_true) && missing(y_pred)))
}, "losses.mean_squared_error")

loss_mean_absolute_error <- .with_fn(function(y_true, y_pred, ..., reduction = "auto",
                                              name = "mean_absolute_error") {
  .loss_or_metric("loss", "loss_mean_absolute_error", "MeanAbsoluteError", match.call(), sys.function(),
                  environment(), !(missing(y_true) && missing(y_pred)))
}, "losses.mean_absolute_error")

loss_huber <- .with_fn(function(y_true, y_pred, delta = 1, ..., reduction = "auto", name = "huber_loss") {
  .loss_or_metric("loss", "loss_huber", "Huber", match.call(), sys.function(), environment(),
                  !(missing(y_true) && missing(y_pred)))
}, "losses.huber")

# metric_*: R keras's py_metric_wrapper() formals (`...` first for class-only metrics).
metric_auc <- function(..., num_thresholds = 200L, curve = "ROC", summation_method = "interpolation",
                       thresholds = NULL, multi_label = FALSE, num_labels = NULL,
                       label_weights = NULL, from_logits = FALSE, name = NULL, dtype = NULL) {
  .loss_or_metric("metric", "metric_auc", "AUC", match.call(), sys.function(), environment(), FALSE,
                  list(num_thresholds = as.integer))
}

metric_accuracy <- function(..., name = NULL, dtype = NULL) {
  .loss_or_metric("metric", "metric_accuracy", "Accuracy", match.call(), sys.function(), environment(), FALSE)
}

metric_precision <- function(..., thresholds = NULL, top_k = NULL, class_id = NULL, name = NULL,
                             dtype = NULL) {
  .loss_or_metric("metric", "metric_precision", "Precision", match.call(), sys.function(), environment(),
                  FALSE, list(top_k = .as_nullable_integer))
}

metric_recall <- function(..., thresholds = NULL, top_k = NULL, class_id = NULL, name = NULL,
                          dtype = NULL) {
  .loss_or_metric("metric", "metric_recall", "Recall", match.call(), sys.function(), environment(),
                  FALSE, list(top_k = .as_nullable_integer, class_id = .as_nullable_integer))
}

metric_binary_accuracy <- .with_fn(function(y_true, y_pred, threshold = 0.5, ...,
                                            name = "binary_accuracy", dtype = NULL) {
  .loss_or_metric("metric", "metric_binary_accuracy", "BinaryAccuracy", match.call(), sys.function(),
                  environment(), !(missing(y_true) && missing(y_pred)))
}, "metrics.binary_accuracy")

metric_categorical_accuracy <- .with_fn(function(y_true, y_pred, ..., name = "categorical_accuracy",
                                                 dtype = NULL) {
  .loss_or_metric("metric", "metric_categorical_accuracy", "CategoricalAccuracy", match.call(),
                  sys.function(), environment(), !(missing(y_true) && missing(y_pred)))
}, "metrics.categorical_accuracy")

metric_binary_crossentropy <- .with_fn(function(y_true, y_pred, from_logits = FALSE, label_smoothing = 0,
                                                axis = -1L, ..., name = "binary_crossentropy",
                                                dtype = NULL) {
  .loss_or_metric("metric", "metric_binary_crossentropy", "BinaryCrossentropy", match.call(),
                  sys.function(), environment(), !(missing(y_true) && missing(y_pred)),
                  list(axis = .as_axis))
}, "metrics.binary_crossentropy")

metric_mean_squared_error <- .with_fn(function(y_true, y_pred, ..., name = "mean_squared_error",
                                               dtype = NULL) {
  .loss_or_metric("metric", "metric_mean_squared_error", "MeanSquaredError", match.call(),
                  sys.function(), environment(), !(missing(y_true) && missing(y_pred)))
}, "metrics.mean_squared_error")

metric_mean_absolute_error <- .with_fn(function(y_true, y_pred, ..., name = "mean_absolute_error",
                                                dtype = NULL) {
  .loss_or_metric("metric", "metric_mean_absolute_error", "MeanAbsoluteError", match.call(),
                  sys.function(), environment(), !(missing(y_true) && missing(y_pred)))
}, "metrics.mean_absolute_error")

# ---- regularizers, callbacks -----------------------------------------------------------------

regularizer_l1 <- function(l = 0.01) {
  .object(.call_py("new_object", "regularizer", "regularizer_l1", "regularizers.L1", list(l = l), "l"),
          "regularizer")
}

regularizer_l2 <- function(l = 0.01) {
  .object(.call_py("new_object", "regularizer", "regularizer_l2", "regularizers.L2", list(l = l), "l"),
          "regularizer")
}

regularizer_l1_l2 <- function(l1 = 0.01, l2 = 0.01) {
  .object(.call_py("new_object", "regularizer", "regularizer_l1_l2", "regularizers.L1L2",
                   list(l1 = l1, l2 = l2), c("l1", "l2")), "regularizer")
}

callback_early_stopping <- function(monitor = "val_loss", min_delta = 0, patience = 0, verbose = 0,
                                    mode = c("auto", "min", "max"), baseline = NULL,
                                    restore_best_weights = FALSE) {
  args <- list(monitor = monitor, min_delta = min_delta, patience = as.integer(patience),
               verbose = as.integer(verbose), mode = match.arg(mode), baseline = baseline,
               restore_best_weights = restore_best_weights)
  .object(.call_py("new_object", "callback", "callback_early_stopping", "callbacks.EarlyStopping",
                   args, .supplied(match.call())), "callback")
}

# ---- utilities ------------------------------------------------------------------------------

to_categorical <- function(y, num_classes = NULL, dtype = "float32") {
  .r_array(.call_py("to_categorical", y, .as_nullable_integer(num_classes), dtype))
}

k_clear_session <- function() {
  .call_py("clear_session")
  invisible(NULL)
}

array_reshape <- function(x, dim, order = c("C", "F")) {
  # reticulate::array_reshape() (re-exported by R keras): NumPy's reshape, C (row-major) order
  # by default, one dimension may be -1.
  if (is.null(x)) return(x)
  order <- match.arg(order)
  dim <- as.integer(dim)
  if (sum(dim == -1L) > 1L) stop("array_reshape(): at most one dimension can be -1")
  if (any(dim == -1L)) dim[dim == -1L] <- length(x) %/% prod(dim[dim != -1L])
  if (prod(dim) != length(x)) {
    stop(sprintf("cannot reshape array of size %d into shape (%s)", length(x), paste(dim, collapse = ", ")))
  }
  if (order == "F") return(array(as.vector(x), dim = dim))
  values <- if (is.null(base::dim(x))) as.vector(x) else as.vector(aperm(x))  # row-major order
  if (length(dim) == 1L) return(array(values, dim = dim))
  aperm(array(values, dim = rev(dim)))
}

# ---- seeding (R tensorflow 2.16 R/seed.R) ------------------------------------------------------

set_random_seed <- function(seed, disable_gpu = TRUE) {
  seed <- as.integer(seed)
  set.seed(seed)                                # R's RNG, as tensorflow::set_random_seed() does
  Sys.setenv(PYTHONHASHSEED = "0")              # reticulate::py_set_seed()
  .call_py("set_random_seed", seed)             # Python, NumPy, TensorFlow (and Keras 3) seeds
  if (disable_gpu) Sys.setenv(CUDA_VISIBLE_DEVICES = "-1")
  invisible(NULL)
}

use_session_with_seed <- function(seed, disable_gpu = TRUE, disable_parallel_cpu = TRUE, quiet = FALSE) {
  # R tensorflow >= 2.4 (2020-10): warns, then stops when TensorFlow >= 2.3, as here.
  msg <- "use_session_with_seed will be deprecated in the future. use tensorflow::set_random_seed instead."
  warning(msg)
  stop(paste0(msg, " (R's tensorflow package stops here for TensorFlow >= 2.3; the rpy2 bridge does the same)"))
}

tf_version <- function() {
  numeric_version(.call_py("tf_version"))
}

`%>%` <- magrittr::`%>%`

# ---- what is provided, what fails clearly --------------------------------------------------------

.exports <- c(
  "keras_model_sequential", "keras_model", "layer_input",
  "layer_dense", "layer_conv_1d", "layer_conv_2d", "layer_max_pooling_1d", "layer_max_pooling_2d",
  "layer_average_pooling_1d", "layer_average_pooling_2d", "layer_global_max_pooling_1d",
  "layer_global_average_pooling_1d", "layer_global_max_pooling_2d", "layer_global_average_pooling_2d",
  "layer_flatten", "layer_reshape", "layer_dropout", "layer_activation", "layer_activation_relu",
  "layer_activation_leaky_relu", "layer_activation_softmax", "layer_batch_normalization",
  "compile", "fit", "evaluate", "count_params", "get_weights", "set_weights",
  "optimizer_adam", "optimizer_sgd", "optimizer_rmsprop", "optimizer_adagrad", "optimizer_nadam",
  "loss_binary_crossentropy", "loss_categorical_crossentropy", "loss_sparse_categorical_crossentropy",
  "loss_mean_squared_error", "loss_mean_absolute_error", "loss_huber",
  "metric_auc", "metric_accuracy", "metric_precision", "metric_recall", "metric_binary_accuracy",
  "metric_categorical_accuracy", "metric_binary_crossentropy", "metric_mean_squared_error",
  "metric_mean_absolute_error",
  "regularizer_l1", "regularizer_l2", "regularizer_l1_l2", "callback_early_stopping",
  "to_categorical", "k_clear_session", "array_reshape", "use_session_with_seed", "%>%")

# R's tensorflow package, as far as seeding goes (library(tensorflow), tensorflow::fn).
.tf_exports <- c("set_random_seed", "use_session_with_seed", "tf_version")

.s3_methods <- list(c("predict", "rpy2bridge_keras_model"), c("print", "rpy2bridge_keras_model"),
                    c("summary", "rpy2bridge_keras_model"), c("$", "rpy2bridge_keras_model"),
                    c("print", "rpy2bridge_keras_object"), c("$", "rpy2bridge_unsupported_module"),
                    c("print", "rpy2bridge_unsupported_module"),
                    c("print", "keras_training_history"), c("plot", "keras_training_history"))

.unsupported_stop <- function(name) {
  stop(simpleError(sprintf(
    "keras function '%s' is not provided by the rpy2 bridge (it bridges %d R keras functions for small sequential and functional models: layers, optimizers, losses, metrics, regularizers, early stopping; see .exports in %s). Run with the genuine R keras package (keras_backend = \"native\") or extend the bridge.",
    name, length(.exports) - 1L, .bridge_file), call = sys.call(-1L)))
}

# Common R keras functions the bridge does not provide. Each fails with an error naming it.
.unsupported <- c(
  # layers
  "layer_spatial_dropout_1d", "layer_spatial_dropout_2d",
  "layer_gaussian_noise", "layer_gaussian_dropout", "layer_alpha_dropout",
  "layer_activation_elu", "layer_activation_selu", "layer_activation_parametric_relu",
  "layer_activation_thresholded_relu",
  "layer_activity_regularization", "layer_masking", "layer_lambda",
  "layer_permute", "layer_repeat_vector",
  "layer_conv_3d", "layer_conv_1d_transpose", "layer_conv_2d_transpose",
  "layer_separable_conv_1d", "layer_separable_conv_2d", "layer_depthwise_conv_2d",
  "layer_max_pooling_3d", "layer_average_pooling_3d",
  "layer_global_max_pooling_3d", "layer_global_average_pooling_3d",
  "layer_zero_padding_1d", "layer_zero_padding_2d", "layer_cropping_1d", "layer_cropping_2d",
  "layer_upsampling_1d", "layer_upsampling_2d",
  "layer_layer_normalization", "layer_unit_normalization",
  "layer_embedding", "layer_simple_rnn", "layer_lstm", "layer_gru", "layer_bidirectional",
  "layer_time_distributed", "layer_attention", "layer_multi_head_attention",
  "layer_concatenate", "layer_add", "layer_subtract", "layer_multiply", "layer_average",
  "layer_maximum", "layer_minimum", "layer_dot", "layer_normalization",
  "layer_category_encoding", "layer_string_lookup", "layer_integer_lookup", "layer_discretization",
  # models
  "keras_model_custom", "clone_model", "get_layer", "pop_layer",
  "freeze_weights", "unfreeze_weights", "get_config", "from_config", "reset_states",
  "predict_classes", "predict_proba", "predict_on_batch", "train_on_batch", "test_on_batch",
  "fit_generator", "evaluate_generator", "predict_generator",
  "save_model_hdf5", "load_model_hdf5", "save_model_tf", "load_model_tf",
  "save_model_weights_hdf5", "load_model_weights_hdf5", "save_model_weights_tf",
  "load_model_weights_tf", "serialize_model", "unserialize_model", "model_to_json",
  "model_from_json", "plot_model",
  # callbacks
  "callback_model_checkpoint", "callback_reduce_lr_on_plateau",
  "callback_tensorboard", "callback_csv_logger", "callback_lambda",
  "callback_learning_rate_scheduler", "callback_terminate_on_naan", "callback_progbar_logger",
  "callback_remote_monitor", "callback_backup_and_restore",
  # optimizers, losses, metrics
  "optimizer_adadelta", "optimizer_adamax", "optimizer_ftrl", "optimizer_adamw",
  "optimizer_legacy_adam", "optimizer_legacy_sgd", "optimizer_legacy_rmsprop",
  "learning_rate_schedule_exponential_decay", "learning_rate_schedule_cosine_decay",
  "loss_hinge", "loss_categorical_hinge", "loss_squared_hinge", "loss_logcosh",
  "loss_kullback_leibler_divergence", "loss_kl_divergence", "loss_poisson",
  "loss_cosine_similarity", "loss_mean_absolute_percentage_error",
  "loss_mean_squared_logarithmic_error",
  "metric_categorical_crossentropy", "metric_sparse_categorical_accuracy",
  "metric_sparse_categorical_crossentropy", "metric_top_k_categorical_accuracy",
  "metric_root_mean_squared_error", "metric_mean_absolute_percentage_error",
  "metric_recall_at_precision", "metric_precision_at_recall", "metric_true_positives",
  "metric_false_positives", "metric_true_negatives", "metric_false_negatives", "metric_mean",
  "custom_metric",
  # initializers, constraints
  "initializer_glorot_uniform", "initializer_glorot_normal", "initializer_he_normal",
  "initializer_he_uniform", "initializer_random_normal", "initializer_random_uniform",
  "initializer_truncated_normal", "initializer_lecun_normal", "initializer_lecun_uniform",
  "initializer_zeros", "initializer_ones", "initializer_constant", "initializer_orthogonal",
  "initializer_identity", "initializer_variance_scaling",
  "regularizer_orthogonal",
  "constraint_maxnorm", "constraint_nonneg", "constraint_unitnorm", "constraint_minmaxnorm",
  # data and utilities
  "normalize", "keras_array", "pad_sequences", "text_tokenizer",
  "fit_text_tokenizer", "texts_to_sequences", "image_data_generator",
  "flow_images_from_directory", "flow_images_from_data", "image_load", "image_to_array",
  "timeseries_generator", "timeseries_dataset_from_array", "dataset_mnist", "dataset_fashion_mnist",
  "dataset_cifar10", "dataset_imdb", "dataset_boston_housing", "dataset_reuters",
  "application_vgg16", "application_resnet50", "application_mobilenet",
  # backend and installation
  "k_set_value", "k_get_value", "k_eval", "k_argmax", "k_cast", "backend", "use_backend",
  "is_keras_available", "install_keras", "keras_version",
  "use_implementation", "implementation", "tensorflow", "keras", "tf", "shape", "as_tensor",
  "tensorboard", "tf_config", "install_tensorflow"
)

# R's tensorflow package beyond seeding (library(tensorflow), tensorflow::fn).
.tf_unsupported <- c("tf", "install_tensorflow", "tf_config", "shape", "as_tensor", "tf_function",
                     "tensorboard", "tf_probability", "tf_gpu_configured", "all_dims", "parse_flags",
                     "use_compat", "export_savedmodel", "view_savedmodel", "tf_extract_opts")

# reticulate functions a script might call after library(reticulate).
.unsupported_reticulate <- c(
  "import", "import_main", "import_builtins", "import_from_path", "py_run_string",
  "py_run_file", "py_eval", "source_python", "py_config", "py_available",
  "py_module_available", "py_install", "use_python", "use_virtualenv", "use_condaenv",
  "use_miniconda", "virtualenv_create", "conda_create", "install_miniconda", "r_to_py",
  "py_to_r", "np_array", "tuple", "dict", "py_get_attr", "py_set_attr", "py_help", "py_set_seed"
)

.tf_unsupported_stop <- function(name) {
  stop(simpleError(sprintf(
    "tensorflow function '%s' is not provided by the rpy2 bridge (it answers %s; see %s)",
    name, paste(.tf_exports, collapse = ", "), .bridge_file), call = sys.call(-1L)))
}

# The Python modules R keras and tensorflow export (`keras$layers$Dense(...)`, `tf$random$set_seed()`):
# an object whose `$` fails naming it.
.modules <- c("keras", "tf")

.module_stub <- function(name, pkg) {
  e <- new.env(parent = emptyenv())
  assign("name", name, envir = e)
  assign("pkg", pkg, envir = e)
  structure(e, class = "rpy2bridge_unsupported_module")
}

`$.rpy2bridge_unsupported_module` <- function(x, name) {
  stop(simpleError(sprintf(
    "%s's `%s` (the Python module, through reticulate) is not provided by the rpy2 bridge: `%s$%s` cannot be reached; use the R keras functions the bridge provides (see %s)",
    get("pkg", envir = x), get("name", envir = x), get("name", envir = x), name, .bridge_file), call = sys.call()))
}

print.rpy2bridge_unsupported_module <- function(x, ...) {
  cat(sprintf("<%s's `%s`: the Python module is not provided by the rpy2 bridge>\n", get("pkg", envir = x),
              get("name", envir = x)))
  invisible(x)
}

.make_stub <- function(name, what) {
  force(name)
  if (name %in% .modules && what %in% c("keras", "tensorflow")) return(.module_stub(name, what))
  if (what == "keras") function(...) .unsupported_stop(name)
  else if (what == "tensorflow") function(...) .tf_unsupported_stop(name)
  else function(...) stop(simpleError(sprintf(
    "reticulate function '%s' is not provided: in this run R reaches Keras through the rpy2 bridge (%s), not reticulate",
    name, .bridge_file), call = sys.call()))
}

.check_lists <- function() {
  both <- intersect(.exports, .unsupported)
  if (length(both)) stop("keras_bridge.R: listed as provided and as unsupported: ", paste(both, collapse = ", "))
  here <- environment(sys.function())  # the bridge's environment
  missing_fns <- Filter(function(n) !exists(n, envir = here, inherits = FALSE), c(.exports, .tf_exports))
  if (length(missing_fns)) stop("keras_bridge.R: exported but not defined: ", paste(missing_fns, collapse = ", "))
}
.check_lists()

.attached <- new.env(parent = emptyenv())

.register_s3 <- function() {
  if (isTRUE(.attached$s3)) return(invisible(FALSE))
  .attached$s3 <- TRUE
  for (m in .s3_methods) {
    registerS3method(m[[1L]], m[[2L]], get(paste0(m[[1L]], ".", m[[2L]])),
                     envir = asNamespace(if (m[[1L]] %in% c("predict")) "stats" else "base"))
  }
}

attach_keras <- function() {
  if (isTRUE(.attached$keras)) return(invisible(FALSE))
  e <- new.env(parent = emptyenv())
  for (n in .unsupported) assign(n, .make_stub(n, "keras"), envir = e)
  for (n in .exports) assign(n, get(n), envir = e)
  # R keras 2.x does not export set_random_seed() (tensorflow does): as in R, it is found only
  # after library(tensorflow); before that, this stand-in says so (R would say "could not find").
  assign("set_random_seed", function(seed, disable_gpu = TRUE) {
    if (isTRUE(.attached$tensorflow)) return(set_random_seed(seed, disable_gpu))
    stop(simpleError(paste(
      "could not find function \"set_random_seed\": R keras 2.x does not export it, R's tensorflow",
      "package does; call library(tensorflow) first, or tensorflow::set_random_seed()"), call = sys.call()))
  }, envir = e)
  .register_s3()
  attach(e, pos = 2L, name = "rpy2bridge:keras", warn.conflicts = FALSE)
  .attached$keras <- TRUE
  invisible(TRUE)
}

attach_tensorflow <- function() {
  if (isTRUE(.attached$tensorflow)) return(invisible(FALSE))
  e <- new.env(parent = emptyenv())
  for (n in .tf_unsupported) assign(n, .make_stub(n, "tensorflow"), envir = e)
  for (n in .tf_exports) assign(n, get(n), envir = e)
  .register_s3()
  attach(e, pos = 2L, name = "rpy2bridge:tensorflow", warn.conflicts = FALSE)
  .attached$tensorflow <- TRUE
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

# keras::fn and tensorflow::fn: R's `::` loads the namespace, which does not exist here. An
# attached `::` answers these two packages from the bridge and passes every other to base R.
.ns_value <- function(pkg, name) {
  if (pkg == "keras") {
    if (name %in% .exports) return(get(name))
    if (name %in% .unsupported) return(.make_stub(name, "keras"))
  } else {
    if (name %in% .tf_exports) return(get(name))
    if (name %in% .tf_unsupported) return(.make_stub(name, "tensorflow"))
  }
  stop(simpleError(sprintf(
    "'%s' is not an exported object from 'namespace:%s' (in the rpy2 bridge's %s; see %s)",
    name, pkg, pkg, .bridge_file), call = sys.call(-1L)))
}

.colon2 <- function(pkg, name) {
  pkg <- as.character(substitute(pkg))
  name <- as.character(substitute(name))
  if (pkg %in% c("keras", "tensorflow")) {
    .register_s3()  # predict()/print() of bridged models, also without library(keras)
    return(.ns_value(pkg, name))
  }
  eval(call("::", as.name(pkg), as.name(name)), baseenv())
}

attach_namespaces <- function() {
  if (isTRUE(.attached$namespaces)) return(invisible(FALSE))
  e <- new.env(parent = emptyenv())
  assign("::", .colon2, envir = e)
  attach(e, pos = 2L, name = "rpy2bridge:namespaces", warn.conflicts = FALSE)
  .attached$namespaces <- TRUE
  invisible(TRUE)
}

model_handle <- function(model) {
  if (inherits(model, "rpy2bridge_keras_model")) get("handle", envir = model, inherits = FALSE) else NULL
}
