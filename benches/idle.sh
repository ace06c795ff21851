#!/usr/bin/env bash
# Idle CPU and peak RSS of the running cockpit (the demo incident: 15 people,
# 3 groups, clocks ticking every second) in a 200x60 tmux pane.
#
# usage: benches/idle.sh [SECONDS]        (default 60)
#   BIN=path/to/commandpost benches/idle.sh   to skip the release build
# Targets: idle CPU under 1%, peak RSS under 30 MB.
set -euo pipefail
SECS=${1:-60}
cd "$(dirname "$0")/.."
if ! command -v tmux >/dev/null; then
  echo "*** SKIPPED: tmux is not installed ***"
  exit 0
fi
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-target}/release/commandpost"
fi
SOCK="cp-idle-$$"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true' EXIT
tmux -L "$SOCK" -f /dev/null new-session -d -s t -x 200 -y 60 "$BIN demo --as Ricardo"
sleep 3 # start-up and first frames are not idle
PID=$(tmux -L "$SOCK" display -p -t t '#{pane_pid}')
if ! tmux -L "$SOCK" capture-pane -p -t t | grep -q "Event loop"; then
  echo "the cockpit did not start:"; tmux -L "$SOCK" capture-pane -p -t t; exit 1
fi
TCK=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
T0=$(ticks); S0=$(date +%s.%N)
sleep "$SECS"
T1=$(ticks); S1=$(date +%s.%N)
HWM_KB=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
awk -v t0="$T0" -v t1="$T1" -v s0="$S0" -v s1="$S1" -v tck="$TCK" \
    -v hwm="$HWM_KB" -v rss="$RSS_KB" -v secs="$SECS" 'BEGIN {
  cpu = (t1 - t0) / tck / (s1 - s0) * 100
  printf "idle CPU over %ss: %.3f%% (%d ticks of 1/%d s)  target < 1%%  %s\n", secs, cpu, t1 - t0, tck, (cpu < 1 ? "OK" : "OVER")
  printf "peak RSS (VmHWM): %.1f MB, now %.1f MB  target < 30 MB  %s\n", hwm / 1024, rss / 1024, (hwm < 30 * 1024 ? "OK" : "OVER")
}'
