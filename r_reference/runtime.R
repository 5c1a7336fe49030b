# Runtime of the rpy2 runner (r_reference/_worker.py): the harness around the article's script.
#
# Sourced into a private environment (parent: baseenv()), never into the global environment,
# so the script starts with a clean globalenv (only `gbsg` when the caller passes `data=`).
#   * shims attached as "rpy2runner:shims": install.packages() (neutralised and logged; never
#     touches the network), library()/require() (keras and reticulate are satisfied by the
#     rpy2 keras bridge when it is in use; every other package goes to base::library), and
#     quit()/q() (stop the script with a clear condition instead of ending the worker).
#   * .run_script(): top-level evaluation like R's console: each expression is evaluated in
#     globalenv, visible values are auto-printed, warnings are collected (and printed after the
#     expression, as R does), the first error stops the script and is reported with R's
#     message, the failing call, the script line and the R call stack.
#   * .checkpoints(): the named checkpoints read from the objects the script leaves behind.

.state <- new.env(parent = emptyenv())
.state$install_calls <- list()
.state$library_calls <- list()
.state$warnings <- list()
.state$provided <- list()       # package name -> function() attaching the bridge's version
.state$checkpoint_warnings <- character()

.record <- function(slot, value) {
  x <- get(slot, envir = .state)
  x[[length(x) + 1L]] <- value
  assign(slot, x, envir = .state)
}

.deparse1 <- function(x, width = 500L) {
  if (is.null(x)) return("")
  paste(trimws(deparse(x, width.cutoff = 500L, nlines = 20L)), collapse = " ")
}

# ---- shims -------------------------------------------------------------------------------

.shim_install_packages <- function(pkgs, lib, repos = getOption("repos"), ...) {
  pk <- if (missing(pkgs)) character() else as.character(pkgs)
  .record("install_calls", list(call = .deparse1(sys.call()), packages = pk))
  invisible(NULL)
}

.shim_library <- function(package, help, pos = 2, lib.loc = NULL, character.only = FALSE,
                          logical.return = FALSE, warn.conflicts, quietly = FALSE,
                          verbose = getOption("verbose"), ...) {
  mc <- match.call()
  if (missing(package)) {
    mc[[1L]] <- quote(base::library)
    return(eval(mc, parent.frame()))
  }
  if (!character.only) package <- as.character(substitute(package))
  if (!is.null(.state$provided[[package]])) {
    .record("library_calls", list(package = package, by = "rpy2 bridge"))
    .state$provided[[package]]()
    return(if (logical.return) invisible(TRUE) else invisible(.packages()))
  }
  .record("library_calls", list(package = package, by = "base::library"))
  mc[[1L]] <- quote(base::library)
  mc$package <- package
  mc$character.only <- TRUE
  eval(mc, parent.frame())
}

.shim_require <- function(package, lib.loc = NULL, quietly = FALSE, warn.conflicts,
                          character.only = FALSE, ...) {
  mc <- match.call()
  if (!character.only) package <- as.character(substitute(package))
  if (!is.null(.state$provided[[package]])) {
    .record("library_calls", list(package = package, by = "rpy2 bridge"))
    .state$provided[[package]]()
    return(invisible(TRUE))
  }
  .record("library_calls", list(package = package, by = "base::require"))
  mc[[1L]] <- quote(base::require)
  mc$package <- package
  mc$character.only <- TRUE
  eval(mc, parent.frame())
}

.shim_quit <- function(save = "default", status = 0, runLast = TRUE) {
  cond <- structure(
    class = c("rpy2runner_quit", "condition"),
    list(message = sprintf("the script called quit(status = %d)", as.integer(status)),
         call = sys.call(), status = as.integer(status)))
  stop(cond)
}

.install_shims <- function() {
  shims <- new.env(parent = emptyenv())
  assign("install.packages", .shim_install_packages, envir = shims)
  assign("library", .shim_library, envir = shims)
  assign("require", .shim_require, envir = shims)
  assign("quit", .shim_quit, envir = shims)
  assign("q", .shim_quit, envir = shims)
  # attach() copies the objects; their closures keep this runtime as their environment.
  attach(shims, pos = 2L, name = "rpy2runner:shims", warn.conflicts = FALSE)
  invisible(TRUE)
}

.provide <- function(package, attach_fn) {
  .state$provided[[package]] <- attach_fn
  invisible(TRUE)
}

# ---- data and keras backend ----------------------------------------------------------------

.define_gbsg <- function(path) {
  # A user's gbsg-like CSV. Bound in globalenv, it wins over survival's lazy-loaded dataset:
  # `data <- gbsg` looks in globalenv first, and library(survival) attaches after it.
  assign("gbsg", utils::read.csv(path, check.names = FALSE), envir = globalenv())
  invisible(TRUE)
}

.native_keras_usable <- function() {
  if (!requireNamespace("keras", quietly = TRUE)) return(FALSE)
  isTRUE(tryCatch(keras::is_keras_available(), error = function(e) FALSE))
}

# ---- top-level evaluation -----------------------------------------------------------------

.format_warnings <- function(ws) {
  # As R prints deferred warnings after a top-level call (errors.c: PrintWarnings).
  if (!length(ws)) return("")
  one <- function(w, prefix) {
    msg <- conditionMessage(w)
    call <- conditionCall(w)
    if (is.null(call)) return(paste0(prefix, msg))
    dcall <- .deparse1(call)
    first <- strsplit(msg, "\n", fixed = TRUE)[[1L]][1L]
    sep <- if (6L + nchar(dcall) + nchar(first) <= 75L) " " else "\n  "
    paste0(prefix, "In ", dcall, " :", sep, msg)
  }
  if (length(ws) == 1L) return(paste0("Warning message:\n", one(ws[[1L]], ""), "\n"))
  body <- vapply(seq_along(ws), function(i) one(ws[[i]], paste0(i, ": ")), "")
  paste0("Warning messages:\n", paste(body, collapse = "\n"), "\n")
}

.user_stack <- function(calls) {
  # The R call stack at the error, without the runner's own frames: everything after the
  # innermost `eval(expr, envir)` made by .run_script, minus the condition machinery.
  n <- length(calls)
  start <- 0L
  for (i in seq_len(n)) {
    if (identical(calls[[i]], quote(eval(expr, envir)))) start <- i
  }
  keep <- if (start > 0L) calls[seq.int(start + 1L, length.out = max(0L, n - start))] else calls
  txt <- vapply(keep, function(cl) substr(.deparse1(cl), 1L, 200L), "")
  # drop the condition machinery and the bridge's internal helpers (names starting with ".")
  txt[!grepl("^(stop\\(|\\.|h\\(|signalCondition|withCallingHandlers|doTryCatch|tryCatch|\\(function \\(e\\))", txt)]
}

.run_script <- function(file, encoding = "UTF-8") {
  exprs <- tryCatch(parse(file = file, keep.source = TRUE, encoding = encoding),
                    error = function(e) e)
  if (inherits(exprs, "error")) {
    return(list(status = "parse_error", message = conditionMessage(exprs), call = "",
                line = NA_integer_, expression = "", traceback = character()))
  }
  srcrefs <- attr(exprs, "srcref")
  envir <- globalenv()
  for (i in seq_along(exprs)) {
    expr <- exprs[[i]]
    line <- if (!is.null(srcrefs)) as.integer(srcrefs[[i]][1L]) else NA_integer_
    text <- if (!is.null(srcrefs)) paste(as.character(srcrefs[[i]]), collapse = "\n")
            else .deparse1(expr)
    pending <- list()
    stack <- NULL
    res <- tryCatch(
      withCallingHandlers({
        r <- withVisible(eval(expr, envir))
        if (r$visible) print(r$value)
        NULL
      },
      warning = function(w) {
        pending[[length(pending) + 1L]] <<- w
        invokeRestart("muffleWarning")
      },
      error = function(e) stack <<- sys.calls()),
      error = function(e) e,
      rpy2runner_quit = function(q) q)
    for (w in pending) {
      .record("warnings", list(message = conditionMessage(w), call = .deparse1(conditionCall(w)),
                               line = line))
    }
    if (length(pending)) cat(.format_warnings(pending), file = stderr())
    if (inherits(res, "rpy2runner_quit")) {
      return(list(status = "quit", message = conditionMessage(res), call = .deparse1(conditionCall(res)),
                  line = line, expression = text, traceback = character(), quit_status = res$status))
    }
    if (inherits(res, "error")) {
      call <- .deparse1(conditionCall(res))
      cat(if (nzchar(call)) paste0("Error in ", call, " : ") else "Error: ",
          conditionMessage(res), "\n", sep = "", file = stderr())
      return(list(status = "error", message = conditionMessage(res), call = call, line = line,
                  expression = text, traceback = .user_stack(stack)))
    }
  }
  list(status = "ok")
}

# ---- checkpoints ----------------------------------------------------------------------------

.checkpoints <- function(model_handle_fn = NULL) {
  g <- globalenv()
  get1 <- function(n) if (exists(n, envir = g, inherits = FALSE)) get(n, envir = g, inherits = FALSE) else NULL
  out <- list()
  put <- function(name, value) out[name] <<- list(value)
  for (n in c("train_indices", "val_indices", "test_indices")) {
    v <- get1(n)
    put(n, if (is.null(v)) NULL else as.integer(v))
  }
  pf <- get1("preprocessed_features")
  put("center", if (is.null(pf)) NULL else as.numeric(attr(pf, "scaled:center")))
  put("scale", if (is.null(pf)) NULL else as.numeric(attr(pf, "scaled:scale")))
  put("feature_names", if (is.null(pf)) NULL else as.character(names(attr(pf, "scaled:center"))))
  labels <- get1("labels")
  put("labels_class", if (is.null(labels)) NULL else class(labels))
  as01 <- function(v) if (is.factor(v)) suppressWarnings(as.integer(as.character(v))) else as.integer(v)
  put("labels", if (is.null(labels)) NULL else as01(labels))
  tl <- get1("test_labels")
  put("test_labels", if (is.null(tl)) NULL else as01(tl))

  model <- get1("model")
  put("model_handle", if (!is.null(model) && !is.null(model_handle_fn)) model_handle_fn(model) else NULL)

  h <- get1("history")
  if (inherits(h, "keras_training_history")) {
    put("history", lapply(h$metrics, as.numeric))
    put("history_params", h$params)
  }
  tl <- get1("test_loss")
  if (is.numeric(tl)) {
    put("test_loss_values", as.numeric(tl))
    put("test_loss_names", if (is.null(names(tl))) NULL else names(tl))
  }
  pr <- get1("predictions")
  if (is.numeric(pr)) {
    put("predictions", as.numeric(pr))
    put("predictions_dim", if (is.null(dim(pr))) NULL else as.integer(dim(pr)))
  }
  roc_obj <- get1("roc_obj")
  if (inherits(roc_obj, "roc")) {
    extra_w <- character()
    keepw <- function(expr) withCallingHandlers(expr, warning = function(w) {
      extra_w <<- c(extra_w, conditionMessage(w)); invokeRestart("muffleWarning")
    })
    put("auc", as.numeric(roc_obj$auc))
    put("auc_ci", keepw(as.numeric(pROC::ci.auc(roc_obj))))
    best <- keepw(pROC::coords(roc_obj, "best"))
    best <- as.data.frame(best)
    put("best_threshold", list(threshold = as.numeric(best$threshold),
                               specificity = as.numeric(best$specificity),
                               sensitivity = as.numeric(best$sensitivity)))
    put("roc_direction", as.character(roc_obj$direction))
    put("roc_levels", as.character(roc_obj$levels))
    .state$checkpoint_warnings <- extra_w
  }
  out
}

.session <- function() {
  ver <- function(p) tryCatch(as.character(utils::packageVersion(p)), error = function(e) NA_character_)
  list(r_version = R.version.string,
       packages = list(survival = ver("survival"), pROC = ver("pROC"), magrittr = ver("magrittr")),
       interactive = interactive(),
       search = search(),
       globalenv = ls(globalenv(), all.names = TRUE))
}

.harness_log <- function() {
  list(install_packages_calls = .state$install_calls,
       library_calls = .state$library_calls,
       warnings = .state$warnings,
       checkpoint_warnings = .state$checkpoint_warnings)
}
