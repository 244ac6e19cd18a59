#!/bin/sh
# What the test suite needs beyond Python packages: Debian's chromium (Playwright's own
# browser download cannot work here) and the npm package oidc-provider (the certified
# third-party OIDC provider the browser tests sign in against). Idempotent.
set -e
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium
fi
if [ -f tests/peers/package.json ] && [ ! -d tests/peers/node_modules/oidc-provider ]; then
  (cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
fi
