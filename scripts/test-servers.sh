#!/usr/bin/env bash
# Create (idempotently) a Python venv with the real servers the delivery tests talk to:
# matrix-synapse (Matrix homeserver) and aiosmtpd (SMTP), and point the tests at it.
#
#   source scripts/test-servers.sh [VENV_DIR]   # exports COMMANDPOST_TEST_VENV (what .ci/run does)
#   scripts/test-servers.sh [VENV_DIR]          # prints the export line to copy
#
# VENV_DIR defaults to $COMMANDPOST_TEST_VENV or /tmp/commandpost-test-venv. The tests start
# and stop the servers themselves (127.0.0.1, free ports, temp dirs); this only installs them.
# Optional: without COMMANDPOST_TEST_VENV, `cargo test` installs the same packages itself on
# first use into target/test-servers/venv (see tests/test_servers/mod.rs). Use this script to
# share one venv between several checkouts.

commandpost_test_servers() {
  local venv="${1:-${COMMANDPOST_TEST_VENV:-/tmp/commandpost-test-venv}}"
  local py="${PYTHON:-python3}"
  if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv" || return 1
  fi
  if ! "$venv/bin/python" -c 'import synapse, aiosmtpd' 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip || return 1
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check matrix-synapse aiosmtpd || return 1
  fi
  "$venv/bin/python" -c 'import synapse, aiosmtpd; print("synapse", synapse.__version__, "aiosmtpd", aiosmtpd.__version__)' >&2 || return 1
  export COMMANDPOST_TEST_VENV="$venv"
  echo "export COMMANDPOST_TEST_VENV=$venv"
}

if (return 0 2>/dev/null); then
  commandpost_test_servers "${1:-}"
else
  set -euo pipefail
  commandpost_test_servers "${1:-}"
fi
