#!/usr/bin/env bash
# One-shot, idempotent set-up used by `make test` / `make audit`:
#   1. Debian packages for R (when missing; as root, else print the command and go on without R)
#   2. .venv with the project and its extras (re-installed only when pyproject.toml changes)
set -euo pipefail
cd "$(dirname "$0")/.."

R_PKGS="r-base-core r-base-dev r-cran-survival r-cran-proc r-cran-magrittr"
# chromium: headless screenshot test of report.html (skipped with the install command when absent)
EXTRA_PKGS="${PARITY_EXTRA_APT-chromium}"
APT_CMD="apt-get update && apt-get install -y --no-install-recommends $R_PKGS $EXTRA_PKGS"
STAMPS=.stamps
mkdir -p "$STAMPS"

missing_pkgs() {
  local out=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out="$out $p"
  done
  echo "$out"
}
missing_r="$(missing_pkgs $R_PKGS)"
missing_extra="$(missing_pkgs $EXTRA_PKGS)"
if [ -n "$missing_r$missing_extra" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || echo "setup: WARNING: apt-get update failed; trying the install anyway" >&2
    if [ -n "$missing_r" ]; then
      echo "setup: installing Debian packages for R:$missing_r"
      apt-get install -y -qq --no-install-recommends $missing_r >/dev/null \
        || echo "setup: WARNING: could not install$missing_r; R checks will be skipped" >&2
    fi
    if [ -n "$missing_extra" ]; then  # optional: only the report screenshot test needs it
      echo "setup: installing optional Debian packages:$missing_extra"
      apt-get install -y -qq --no-install-recommends $missing_extra >/dev/null \
        || echo "setup: WARNING: could not install$missing_extra; the screenshot test will be skipped" >&2
    fi
  elif [ -n "$missing_r" ]; then
    echo "setup: WARNING: R packages missing:$missing_r" >&2
    echo "setup: to enable the R side run as root: $APT_CMD" >&2
    echo "setup: continuing with the Python side only (R checks will be skipped)." >&2
  fi
fi

extras="dev,examples,cluster"
if command -v R >/dev/null 2>&1 && command -v Rscript >/dev/null 2>&1; then extras="dev,examples,cluster,r"; fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
want="$(sha256sum pyproject.toml | cut -c1-16)-$extras"
have="$(cat "$STAMPS/venv" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  echo "setup: installing the project into .venv with extras [$extras] (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[$extras]"
  echo "$want" > "$STAMPS/venv"
fi
