#!/usr/bin/env bash
# Idle CPU of the cockpit with product health on (issue 17): a real Prometheus on 127.0.0.1
# (scraping itself every second) asked for two series every 15 s, and a real Alertmanager
# every 30 s, by a cockpit on an open incident in a 200x60 tmux pane.
#
# usage: benches/idle_metrics.sh [SECONDS]     (default 120)
#   BIN=path/to/commandpost benches/idle_metrics.sh   to skip the release build
# CPU is the sum of every thread's run time from /proc/PID/task/*/schedstat, as benches/idle.sh.
# Target: idle CPU under 0.5% at a 15 s refresh.
set -euo pipefail
SECS=${1:-120}
cd "$(dirname "$0")/.."
for b in tmux prometheus; do
  if ! command -v "$b" >/dev/null; then echo "*** SKIPPED: $b is not installed ***"; exit 0; fi
done
AM=$(command -v prometheus-alertmanager || command -v alertmanager || true)
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-target}/release/commandpost"
fi
WORK=$(mktemp -d)
SOCK="cp-idlem-$$"
PIDS=()
cleanup() {
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PP=$(free_port)
cat > "$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ['127.0.0.1:$PP']
YML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" \
  --web.listen-address="127.0.0.1:$PP" --log.level=warn >"$WORK/prom.log" 2>&1 &
PIDS+=($!)
ALERTS=""
if [ -n "$AM" ]; then
  AP=$(free_port)
  printf 'route:\n  receiver: none\nreceivers:\n  - name: none\n' > "$WORK/am.yml"
  "$AM" --config.file="$WORK/am.yml" --storage.path="$WORK/am" \
    --web.listen-address="127.0.0.1:$AP" --cluster.listen-address= --log.level=warn \
    >"$WORK/am.log" 2>&1 &
  PIDS+=($!)
  ALERTS=$(printf '[alerts]\nalertmanager = "http://127.0.0.1:%s"\n' "$AP")
fi
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PP/-/ready" >/dev/null && break; sleep 0.2; done
cat > "$WORK/config.toml" <<TOML
[metrics]
prometheus = "http://127.0.0.1:$PP"
refresh = "15s"
[[metrics.series]]
name = "HTTP req"
query = "sum(rate(prometheus_http_requests_total[1m]))"
format = "rate"
warn = 100
critical = 1000
[[metrics.series]]
name = "Up"
query = "min(up)"
format = "number"
warn = 0.5
critical = 0.1
worse = "lower"
$ALERTS
TOML
"$BIN" --data-dir "$WORK/data" --config "$WORK/config.toml" new "Idle bench" >/dev/null
tmux -L "$SOCK" -f /dev/null new-session -d -s t -x 200 -y 60 \
  "exec $BIN --data-dir $WORK/data --config $WORK/config.toml --as Ricardo"
sleep 5 # start-up, the first range query and the first frames are not idle
PID=$(tmux -L "$SOCK" display -p -t t '#{pane_pid}')
SCREEN=$(tmux -L "$SOCK" capture-pane -p -t t)
if ! grep -q "HTTP req" <<<"$SCREEN"; then
  echo "the cockpit did not show the series:"; echo "$SCREEN"; exit 1
fi
runtime_ns() { cat /proc/"$PID"/task/*/schedstat | awk '{s += $1} END {printf "%d", s}'; }
T0=$(runtime_ns); S0=$(date +%s.%N)
sleep "$SECS"
T1=$(runtime_ns); S1=$(date +%s.%N)
tmux -L "$SOCK" capture-pane -p -t t | sed -n 3p
awk -v t0="$T0" -v t1="$T1" -v s0="$S0" -v s1="$S1" -v secs="$SECS" 'BEGIN {
  cpu = (t1 - t0) / 1e9 / (s1 - s0) * 100
  printf "idle CPU with metrics on (15 s refresh) over %ss: %.3f%% (%.1f ms of CPU)  target < 0.5%%  %s\n", secs, cpu, (t1 - t0) / 1e6, (cpu < 0.5 ? "OK" : "OVER")
}'
