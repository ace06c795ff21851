"""A throwaway Matrix homeserver (matrix-synapse) for the delivery and sync tests.

    synapse_server.py DIR PORT [--default-rate-limits] [--watch-parent]

Generates a config in DIR on first use (SQLite, server name localhost, bound to 127.0.0.1:PORT
only, no trusted key servers, open registration without verification), then runs the
homeserver in the foreground. GET /health answers OK when it is up.

Rate limits: by default every limit is raised (tests that are not about limits stay fast).
With --default-rate-limits the message limit (rc_message: 0.2/s, burst 10 per user) keeps
Synapse's default, which is what users of a stock homeserver meet; registration, login, joins
and room creation stay raised so that setting up users and rooms does not wait. The mode is
fixed when the config is generated (a restart on the same DIR keeps it).

--watch-parent: exit when the process that started this one goes away (a test binary that
holds one server for all its tests cannot stop it from a destructor).
"""
import os
import subprocess
import sys
import threading
import time

import yaml

args = [a for a in sys.argv[1:] if not a.startswith("--")]
flags = {a for a in sys.argv[1:] if a.startswith("--")}
d, port = os.path.abspath(args[0]), int(args[1])
default_limits = "--default-rate-limits" in flags
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
    if not default_limits:
        c["rc_message"] = fast
    c["rc_registration"] = fast
    c["rc_login"] = {"address": fast, "account": fast, "failed_attempts": fast}
    c["rc_joins"] = {"local": fast, "remote": fast}
    c["rc_room_creation"] = fast
    with open(cfg, "w") as f:
        yaml.safe_dump(c, f)
os.chdir(d)

if "--watch-parent" in flags:
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    sys.argv = [sys.argv[0], "-c", cfg]
    from synapse.app.homeserver import main

    main()
else:
    os.execv(sys.executable, [sys.executable, "-m", "synapse.app.homeserver", "-c", cfg])
