#!/usr/bin/env bash
# Install the reference StatsD daemon (the `statsd` package from the npm registry)
# for tests/integration/test_statsd_daemon.py.
#
# Why a script: the integration test checks that a real collector aggregates what
# StatsDSink sends, and nothing installed by hand survives onto a fresh CI machine.
# Idempotent (does nothing when the pinned version is already there), quiet, and it
# never fails the build: without npm the test skips with a reason instead.
#
# 0.9.0 is the newest version the npm registry offers; it runs on node >= 8 (checked
# with node 20). Optional dependencies (a native syslog module, a Windows service
# helper, the proxy's hashring) are skipped: the daemon's core does not need them.
set -u

VERSION="0.9.0"
# Same default as the test (Path.home()), which falls back to the password database.
HOME_DIR="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
DIR="${OPENAI_ACCEL_STATSD_DIR:-${HOME_DIR:-/tmp}/.cache/openai-accel/statsd}"
STATS_JS="$DIR/node_modules/statsd/stats.js"
PKG_JSON="$DIR/node_modules/statsd/package.json"

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "install-statsd-daemon: npm/node not found; the StatsD daemon test will be skipped"
    exit 0
fi

if [ -f "$STATS_JS" ] && grep -q "\"version\": *\"$VERSION\"" "$PKG_JSON" 2>/dev/null; then
    echo "install-statsd-daemon: statsd $VERSION already in $DIR"
    exit 0
fi

# Bounded: a stalled registry must not eat the CI budget.
LIMIT=()
if command -v timeout >/dev/null 2>&1; then LIMIT=(timeout 300); fi

mkdir -p "$DIR"
if ${LIMIT[@]+"${LIMIT[@]}"} npm install --prefix "$DIR" --omit=optional --no-audit --no-fund --no-save \
        --loglevel=error "statsd@$VERSION" >"$DIR/npm-install.log" 2>&1; then
    echo "install-statsd-daemon: installed statsd $VERSION into $DIR"
else
    echo "install-statsd-daemon: npm install failed (see $DIR/npm-install.log);" \
         "the StatsD daemon test will be skipped"
fi
exit 0
