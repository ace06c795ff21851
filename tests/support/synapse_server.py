"""A throwaway Matrix homeserver (matrix-synapse) for the delivery tests.

    synapse_server.py DIR PORT

Generates a config in DIR on first use (SQLite, server name localhost, bound to 127.0.0.1:PORT
only, no trusted key servers, open registration without verification, rate limits raised),
then runs the homeserver in the foreground (exec). GET /health answers OK when it is up.
"""
import os
import subprocess
import sys

import yaml

d, port = os.path.abspath(sys.argv[1]), int(sys.argv[2])
cfg = os.path.join(d, "homeserver.yaml")
if not os.path.exists(cfg):
    subprocess.run(
        [sys.executable, "-m", "synapse.app.homeserver", "--server-name", "localhost",
         "--config-path", cfg, "--data-directory", d, "--generate-config", "--report-stats=no"],
        check=True, cwd=d, stdout=subprocess.DEVNULL,
    )
    with open(cfg) as f:
        c = yaml.safe_load(f)
    c["listeners"] = [{
        "port": port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
        "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}],
    }]
    c["trusted_key_servers"] = []
    c["suppress_key_server_warning"] = True
    c["enable_registration"] = True
    c["enable_registration_without_verification"] = True
    c["report_stats"] = False
    fast = {"per_second": 1000, "burst_count": 1000}
    c["rc_message"] = fast
    c["rc_registration"] = fast
    c["rc_login"] = {"address": fast, "account": fast, "failed_attempts": fast}
    c["rc_joins"] = {"local": fast, "remote": fast}
    c["rc_room_creation"] = fast
    with open(cfg, "w") as f:
        yaml.safe_dump(c, f)
os.chdir(d)
os.execv(sys.executable, [sys.executable, "-m", "synapse.app.homeserver", "-c", cfg])
