# Session reset of a warm R worker (r_reference/_worker.py --serve): put the embedded R back to
# the state it had right after start-up, between two scripts.
#
# Sourced once per worker process into a private environment (parent: baseenv()).
# .snapshot() is taken before the first script; .reset_session(snap) after every run:
#   * graphics devices closed, sinks and user connections closed, time limits lifted;
#   * the global environment emptied (hidden names too: .Random.seed, .Last, .First ...);
#   * the search path restored: everything attached since the snapshot detached (packages,
#     attach()ed environments, the runner's shims and the keras bridge);
#   * namespaces loaded since the snapshot unloaded (dependants first), so the next script's
#     library() loads them afresh and their .onLoad hooks (which may set options, e.g. pROC's
#     pROCProgress) run again, as in a fresh process;
#   * options() restored (changed ones reset, new ones removed);
#   * RNGkind("default", "default", "default") and no .Random.seed: the next set.seed() or
#     unseeded draw behaves as in a fresh R;
#   * environment variables (Sys.setenv/Sys.unsetenv) and the working directory restored.
# It returns "" when everything was restored, else the reason the worker must be replaced
# (the caller then restarts the process rather than run the next script in a doubtful state).

.snapshot <- function() {
  list(search = search(), namespaces = loadedNamespaces(), options = options(),
       env = Sys.getenv(), wd = getwd())
}

.reset_session <- function(snap) {
  problems <- character()
  note <- function(what, e) problems <<- c(problems, sprintf("%s: %s", what, conditionMessage(e)))
  tryCatch(grDevices::graphics.off(), error = function(e) note("graphics.off()", e))
  tryCatch({
    while (sink.number() > 0L) sink()
    if (sink.number(type = "message") != 2L) sink(type = "message")
  }, error = function(e) note("sink()", e))
  tryCatch(closeAllConnections(), error = function(e) note("closeAllConnections()", e))
  tryCatch(setTimeLimit(), error = function(e) note("setTimeLimit()", e))
  g <- globalenv()
  rm(list = ls(g, all.names = TRUE), envir = g)
  # the search path: detach from the top whatever was not there at start-up
  for (name in setdiff(search(), snap$search)) {
    tryCatch(detach(name, character.only = TRUE, unload = FALSE, force = TRUE),
             error = function(e) note(sprintf("detach(%s)", name), e))
  }
  if (!identical(search(), snap$search)) {
    problems <- c(problems, sprintf("search path not restored: %s", paste(search(), collapse = ", ")))
  }
  # namespaces: unload those nothing else still imports, until none is left (or none can go)
  repeat {
    left <- setdiff(loadedNamespaces(), snap$namespaces)
    if (!length(left)) break
    gone <- FALSE
    for (ns in left) {
      ok <- tryCatch({ unloadNamespace(ns); TRUE }, error = function(e) FALSE)
      gone <- gone || ok
    }
    if (!gone) {
      problems <- c(problems, sprintf("namespace(s) that would not unload: %s", paste(left, collapse = ", ")))
      break
    }
  }
  tryCatch({
    added <- setdiff(names(options()), names(snap$options))
    if (length(added)) options(stats::setNames(rep(list(NULL), length(added)), added))
    options(snap$options)
  }, error = function(e) note("options()", e))
  tryCatch(RNGkind("default", "default", "default"), error = function(e) note("RNGkind()", e))
  rm(list = ls(g, all.names = TRUE), envir = g)  # RNGkind() writes a fresh .Random.seed
  tryCatch({
    now <- Sys.getenv()
    extra <- setdiff(names(now), names(snap$env))
    if (length(extra)) Sys.unsetenv(extra)
    changed <- Filter(function(n) !identical(unname(now[n]), unname(snap$env[n])), names(snap$env))
    if (length(changed)) do.call(Sys.setenv, as.list(snap$env[changed]))
  }, error = function(e) note("Sys.setenv()", e))
  tryCatch(setwd(snap$wd), error = function(e) note("setwd()", e))
  # no gc() here: R collects when it needs to, and a full collection costs ~0.3 s per run
  paste(problems, collapse = "; ")
}
