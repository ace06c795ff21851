#!/usr/bin/env bash
# Start-up and command latency of the release binary (issue 14's targets):
#   headless list/show/note on a small incident   < 5 ms wall, within 3x of --version
#   lint of one word                              < 5 ms wall (the linter is built < 20 ms)
#   show --json on a 100,000-event journal        < 120 ms wall, < 40 MB peak RSS (with the
#                                                 snapshot a writer keeps; cold also shown)
#   first full frame at 10,000 / 100,000 events   < 30 ms / < 60 ms (process start to frame)
#   key-to-screen with a 100,000-event timeline   < 16 ms
# Figures are medians over many runs (hyperfine; benches/first_frame.py on a pty), with the
# spread (min..max, and p10/p90 for frames). The machine is shared: the load average is printed,
# and when run as root the measured processes run at real-time priority (PRIO="chrt -f 20", the
# default then) so that other engineers' builds do not inflate wall times; PRIO= to run plainly.
#
# usage: benches/startup.sh [all|cmd|json|frame]     BIN=path/to/commandpost to skip the build
#        RUNS=N (hyperfine runs, default 100)  FRAME_RUNS=N (default 20)  WORK=dir (fixtures)
set -euo pipefail
WHAT=${1:-all}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS=${RUNS:-100}
FRAME_RUNS=${FRAME_RUNS:-20}
WORK=${WORK:-${TMPDIR:-/tmp}/commandpost-bench}
if [ -z "${PRIO+set}" ]; then
  if [ "$(id -u)" = 0 ] && command -v chrt >/dev/null; then PRIO="chrt -f 20"; else PRIO=""; fi
fi
if [ -z "${BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --quiet --bin commandpost --example journal-gen)
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/commandpost"
fi
GEN="${GEN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/journal-gen}"
if [ ! -x "$GEN" ]; then
  (cd "$ROOT" && cargo build --release --quiet --example journal-gen)
fi
for tool in hyperfine python3 jq; do
  command -v "$tool" >/dev/null || { echo "*** SKIPPED: $tool is not installed (apt-get install $tool) ***"; exit 0; }
done
# No user configuration: the embedded default.
export XDG_CONFIG_HOME="$WORK/xdg" COMMANDPOST_CONFIG=
unset COMMANDPOST_CONFIG
mkdir -p "$XDG_CONFIG_HOME"
END=2026-11-21T03:00:00Z
fixture() { # name events
  local dir="$WORK/$1"
  if [ ! -f "$dir/incidents/INC-20261121-0300-GEN/journal.jsonl.fixture" ]; then
    rm -rf "$dir"
    "$GEN" --data-dir "$dir" --events "$2" --end "$END" >/dev/null
    cp "$dir/incidents/INC-20261121-0300-GEN/journal.jsonl" "$dir/incidents/INC-20261121-0300-GEN/journal.jsonl.fixture"
  fi
  # Each run starts from the same journal (and no derived files).
  rm -f "$dir"/incidents/INC-20261121-0300-GEN/*.snapshot*
  cp "$dir/incidents/INC-20261121-0300-GEN/journal.jsonl.fixture" "$dir/incidents/INC-20261121-0300-GEN/journal.jsonl"
  echo "$dir"
}
SMALL=$(fixture small 20)
E10K=$(fixture e10k 10000)
E100K=$(fixture e100k 100000)
echo "binary: $BIN"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores); priority: ${PRIO:-normal}"

# hyperfine's median and spread for one exported result.
report() { # label json
  jq -r --arg l "$1" '.results[0] | ($l + ": median " + ((.median*1000*100|round)/100|tostring) + " ms  min " + ((.min*1000*100|round)/100|tostring) + "  max " + ((.max*1000*100|round)/100|tostring) + "  mean " + ((.mean*1000*100|round)/100|tostring) + " ± " + ((.stddev*1000*100|round)/100|tostring) + " (n=" + (.times|length|tostring) + ")")' "$2"
}
hf() { # label command...
  local label=$1; shift
  local out="$WORK/hf-$label.json"
  $PRIO hyperfine -N -i --style none --warmup 5 --runs "$RUNS" --export-json "$out" "$@" >/dev/null 2>&1 || {
    echo "$label: FAILED: $*"; $PRIO sh -c "$*" 2>&1 | tail -3; return 0; }
  report "$label" "$out"
}

if [ "$WHAT" = all ] || [ "$WHAT" = cmd ]; then
  echo "== headless commands on a small incident (20 events) =="
  hf version "$BIN --version"
  hf list "$BIN --data-dir $SMALL list"
  hf show "$BIN --data-dir $SMALL show"
  # `note` appends to the journal: each run adds one note (fsync included).
  hf note "$BIN --data-dir $SMALL --as Bench note 'bench note'"
  hf lint-word "$BIN --data-dir $SMALL lint --file $ROOT/benches/fixtures/one-word.txt"
  hf lint-5000 "$BIN --data-dir $SMALL lint --file $ROOT/benches/fixtures/update-5000.txt"
fi
if [ "$WHAT" = all ] || [ "$WHAT" = json ]; then
  echo "== show --json on 100,000 events =="
  # Cold: no snapshot (show is read-only: it never writes one).
  E100K=$(fixture e100k 100000)
  RUNS=$(( RUNS < 10 ? RUNS : 10 )) hf show-json-100k-cold "$BIN --data-dir $E100K show --json"
  /usr/bin/time -f "show --json 100k (cold): %e s wall, peak RSS %M KB" \
    $PRIO "$BIN" --data-dir "$E100K" show --json >/dev/null
  # Warm: the journal as a writer leaves it (a command that replayed 2,000 events or more,
  # or the cockpit every 2,000 events and on exit, keeps the snapshot next to it).
  "$BIN" --data-dir "$E100K" --as Bench note "bench: a writer keeps the snapshot" >/dev/null
  [ -f "$E100K"/incidents/INC-20261121-0300-GEN/journal.jsonl.snapshot ] || echo "*** no snapshot was written ***"
  RUNS=$(( RUNS < 30 ? RUNS : 30 )) hf show-json-100k "$BIN --data-dir $E100K show --json"
  for run in first second third; do
    /usr/bin/time -f "show --json 100k (warm, $run run): %e s wall, peak RSS %M KB" \
      $PRIO "$BIN" --data-dir "$E100K" show --json >/dev/null
  done
fi
if [ "$WHAT" = all ] || [ "$WHAT" = frame ]; then
  echo "== first frame (200x60 pty) =="
  for f in 10000:$E10K 100000:$E100K; do
    n=${f%%:*}; dir=${f#*:}
    dir=$(fixture "$(basename "$dir")" "$n")
    # Cold: no snapshot; the cockpit writes one when it exits (SIGTERM here), so the runs
    # after it start from the snapshot, as a cockpit reopened on its own journal does.
    echo "-- $n events, cold (no snapshot)"
    $PRIO python3 "$ROOT/benches/first_frame.py" --runs 1 -- \
      "$BIN" --data-dir "$dir" --as Bench | grep -v '^first frame runs' || true
    [ -f "$dir"/incidents/INC-20261121-0300-GEN/journal.jsonl.snapshot ] || echo "*** no snapshot was written ***"
    echo "-- $n events, warm"
    $PRIO python3 "$ROOT/benches/first_frame.py" --runs "$FRAME_RUNS" $([ "$n" = 100000 ] && echo --key) -- \
      "$BIN" --data-dir "$dir" --as Bench | grep -v '^first frame runs' || true
  done
fi
