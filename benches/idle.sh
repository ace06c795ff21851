#!/usr/bin/env bash
# Idle CPU and peak RSS of the running cockpit (the demo incident: 15 people,
# 3 groups, clocks ticking every second) in a 200x60 tmux pane.
#
# usage: benches/idle.sh [SECONDS]        (default 60)
#   BIN=path/to/commandpost benches/idle.sh   to skip the release build
#   DATA_DIR=dir benches/idle.sh              the current incident of that data dir instead of the
#                                             demo (e.g. a 100,000-event one from benches/journal-gen)
# CPU is the sum of every thread's run time from /proc/PID/task/*/schedstat (nanoseconds; the
# 1/100 s tick counts of /proc/PID/stat are too coarse below 1%).
# Targets: idle CPU under 0.3%, peak RSS under 30 MB (the demo; MAX_RSS_MB=N to change).
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
if [ -n "${DATA_DIR:-}" ]; then
  CMD="$BIN --data-dir $DATA_DIR --as Ricardo"
else
  CMD="$BIN demo --as Ricardo"
fi
MAX_RSS_MB=${MAX_RSS_MB:-30}
tmux -L "$SOCK" -f /dev/null new-session -d -s t -x 200 -y 60 "exec $CMD"
sleep 3 # start-up and first frames are not idle
PID=$(tmux -L "$SOCK" display -p -t t '#{pane_pid}')
if ! tmux -L "$SOCK" capture-pane -p -t t | grep -q "Event loop"; then
  echo "the cockpit did not start:"; tmux -L "$SOCK" capture-pane -p -t t; exit 1
fi
runtime_ns() { cat /proc/"$PID"/task/*/schedstat | awk '{s += $1} END {printf "%d", s}'; }
T0=$(runtime_ns); S0=$(date +%s.%N)
sleep "$SECS"
T1=$(runtime_ns); S1=$(date +%s.%N)
HWM_KB=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
awk -v t0="$T0" -v t1="$T1" -v s0="$S0" -v s1="$S1" -v maxrss="$MAX_RSS_MB" \
    -v hwm="$HWM_KB" -v rss="$RSS_KB" -v secs="$SECS" 'BEGIN {
  cpu = (t1 - t0) / 1e9 / (s1 - s0) * 100
  printf "idle CPU over %ss: %.3f%% (%.1f ms of CPU)  target < 0.3%%  %s\n", secs, cpu, (t1 - t0) / 1e6, (cpu < 0.3 ? "OK" : "OVER")
  printf "peak RSS (VmHWM): %.1f MB, now %.1f MB  target < %d MB  %s\n", hwm / 1024, rss / 1024, maxrss, (hwm < maxrss * 1024 ? "OK" : "OVER")
}'
