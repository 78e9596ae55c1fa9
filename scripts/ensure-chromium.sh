#!/usr/bin/env bash
# Page tests drive Debian's Chromium; install it from the distribution when it is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "Chromium is missing: install the 'chromium' package (page tests need /usr/bin/chromium)." >&2
  exit 1
fi
