# Runtime of the rpy2 runner (r_reference/_worker.py): the harness around a case's R script.
#
# Sourced into a private environment (parent: baseenv()), never into the global environment,
# so the script starts with a clean globalenv (only the data a case binds, e.g. `lung <- read.csv(...)`).
#   * shims attached as "rpy2runner:shims": install.packages() (neutralised and logged; never
#     touches the network), library()/require() (keras and reticulate are satisfied by the
#     rpy2 keras bridge when it is in use; every other package goes to base::library), and
#     quit()/q() (stop the script with a clear condition instead of ending the worker).
#   * .run_script(): top-level evaluation like R's console: each expression is evaluated in
#     globalenv, visible values are auto-printed, warnings are collected (and printed after the
#     expression, as R does), the first error stops the script and is reported with R's
#     message, the failing call, the script line and the R call stack.
#   * .eval_one(): one checkpoint expression (any R code), evaluated after the script in a
#     child of globalenv (so it cannot overwrite the script's objects), its warnings kept and
#     its error returned as data, never raised.
#   * .globals_info(): what the script left in globalenv (class, type, length, dim, and the
#     script lines that assigned each name), for `parity init` and the report's line numbers.

.state <- new.env(parent = emptyenv())
.state$install_calls <- list()
.state$library_calls <- list()
.state$warnings <- list()
.state$provided <- list()       # package name -> function() attaching the bridge's version
.state$checkpoint_warnings <- character()
.state$assign_lines <- list()   # variable name -> script lines whose top-level call assigned it
.state$deps <- list()           # variable name -> the variables its assigning calls read (data flow)

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

.bind_csv <- function(name, path) {
  # A data file the case binds for the script, read as the script's own read.csv() would. Bound
  # in globalenv, it wins over a package's lazy-loaded dataset of the same name: `data <- lung`
  # looks in globalenv first, and library(survival) attaches after it.
  assign(name, utils::read.csv(path, check.names = FALSE), envir = globalenv())
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
    before <- ls(envir, all.names = TRUE)
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
    if (!inherits(res, "error") && !inherits(res, "rpy2runner_quit") && !is.na(line)) {
      after <- ls(envir, all.names = TRUE)
      targets <- unique(c(intersect(.assign_targets(expr), after), setdiff(after, before)))
      reads <- setdiff(intersect(all.names(expr), before), character())
      for (n in targets) {
        .state$assign_lines[[n]] <- c(.state$assign_lines[[n]], line)
        .state$deps[[n]] <- unique(c(.state$deps[[n]], setdiff(reads, n)))
      }
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

.assign_targets <- function(expr) {
  # Names a top-level call assigns: x <- ..., x = ..., x <<- ..., names(x) <- ..., x$a <- ...,
  # x[i] <- ..., a <- b <- ..., assign("x", ...), and the same inside { } and ( ).
  if (!is.call(expr)) return(character())
  f <- expr[[1L]]
  f <- if (is.symbol(f)) as.character(f) else ""
  if (f %in% c("<-", "=", "<<-") && length(expr) == 3L) {
    lhs <- expr[[2L]]
    while (is.call(lhs) && length(lhs) >= 2L) lhs <- lhs[[2L]]
    out <- if (is.symbol(lhs)) as.character(lhs) else if (is.character(lhs)) lhs else character()
    return(c(out, .assign_targets(expr[[3L]])))
  }
  if (f == "assign" && length(expr) >= 2L && is.character(expr[[2L]])) return(expr[[2L]])
  if (f %in% c("{", "(", "suppressWarnings", "suppressMessages", "invisible", "local")) {
    return(unlist(lapply(as.list(expr)[-1L], .assign_targets)))
  }
  character()
}

.eval_one <- function(text) {
  # One checkpoint expression. Evaluated in a fresh child of globalenv: it sees everything the
  # script left, and whatever it assigns stays out of the script's environment.
  ws <- character()
  res <- tryCatch(
    withCallingHandlers({
      exprs <- parse(text = text, keep.source = FALSE)
      env <- new.env(parent = globalenv())
      value <- NULL
      for (e in exprs) value <- eval(e, env)
      list(ok = TRUE, value = value)
    },
    warning = function(w) {
      ws <<- c(ws, conditionMessage(w))
      invokeRestart("muffleWarning")
    },
    message = function(m) invokeRestart("muffleMessage")),
    error = function(e) list(ok = FALSE, error = conditionMessage(e), call = .deparse1(conditionCall(e))))
  res$warnings <- ws
  res
}

.globals_info <- function() {
  g <- globalenv()
  nm <- ls(g, all.names = FALSE)
  out <- lapply(nm, function(n) {
    v <- get(n, envir = g, inherits = FALSE)
    d <- dim(v)
    list(name = n, class = class(v), typeof = typeof(v), length = length(v),
         dim = if (is.null(d)) integer() else as.integer(d),
         lines = as.integer(.state$assign_lines[[n]]))
  })
  names(out) <- nm
  out
}

.assignments <- function() {
  lapply(.state$assign_lines, as.integer)
}

.dependencies <- function() {
  lapply(.state$deps, as.character)
}

.expr_vars <- function(text) {
  # The script's variables an expression reads (for its line number and the data flow).
  e <- tryCatch(parse(text = text, keep.source = FALSE), error = function(e) NULL)
  if (is.null(e)) return(character())
  intersect(unique(all.names(e)), ls(globalenv(), all.names = TRUE))
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
