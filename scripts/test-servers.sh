#!/usr/bin/env bash
# Create (idempotently) a Python venv with the real servers the delivery tests talk to:
# matrix-synapse (Matrix homeserver) and aiosmtpd (SMTP). Prints the env var to export.
#
#   scripts/test-servers.sh [VENV_DIR]      (default: $COMMANDPOST_TEST_VENV or /tmp/commandpost-test-venv)
#   export COMMANDPOST_TEST_VENV=/tmp/commandpost-test-venv
#
# The tests start and stop the servers themselves (on 127.0.0.1, free ports, temp dirs); this
# script only installs them.
set -euo pipefail
VENV="${1:-${COMMANDPOST_TEST_VENV:-/tmp/commandpost-test-venv}}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import synapse, aiosmtpd' 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check matrix-synapse aiosmtpd
fi
"$VENV/bin/python" -c 'import synapse, aiosmtpd; print("synapse", synapse.__version__)' >&2
echo "export COMMANDPOST_TEST_VENV=$VENV"
