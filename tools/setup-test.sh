#!/bin/sh
# What the test suite needs beyond Python packages: Debian's chromium (Playwright's own
# browser download cannot work here), the npm package oidc-provider (the certified
# third-party OIDC provider the browser tests sign in against), Debian's nginx-light
# (the reverse proxy the protected-pages tests put in front of the companion) and
# Debian's redis-server (the session-store tests start their own). Idempotent.
set -e
cd "$(dirname "$0")/.."
MISSING=""
[ -x /usr/bin/chromium ] || MISSING="$MISSING chromium"
[ -x /usr/sbin/nginx ] || MISSING="$MISSING nginx-light"
[ -x /usr/bin/redis-server ] || MISSING="$MISSING redis-server"
if [ -n "$MISSING" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $MISSING
fi
if [ -f tests/peers/package.json ] && [ ! -d tests/peers/node_modules/oidc-provider ]; then
  (cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
fi
