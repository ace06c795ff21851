#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/, its own workspace) for a fixed time, one after another,
# under the limits of issue 15: an input may take at most 1 s and 256 MB. Seeds come from the
# tests and examples (gathered fresh each run) and fuzz/seeds/. What a target finds lands in
# fuzz/artifacts/<target>/ (turn each into a regression test); libFuzzer's output is kept in
# fuzz/logs/<target>.log (cov/ft and executions are on its last lines).
#
# Usage: scripts/fuzz.sh [seconds-per-target] [target...]
#   scripts/fuzz.sh            # every target for 600 s (or 10 million executions)
#   scripts/fuzz.sh 60 journal # one target for a minute
# Needs: the nightly toolchain and `cargo install cargo-fuzz`.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-600}
[ $# -gt 0 ] && shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(journal config scenario writing_input template lint stamp snapshot_body)
fi
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz missing: cargo install cargo-fuzz" >&2; exit 2; }

# Seeds from the repository, as they are today.
seed() {
  local t=$1; shift
  mkdir -p "fuzz/corpus/$t"
  for f in "$@"; do
    [ -f "$f" ] && cp "$f" "fuzz/corpus/$t/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
  done
  return 0
}
seed journal tests/data/*.jsonl
seed config assets/config.toml
seed scenario examples/drills/*.toml examples/drills/scripts/*.toml
seed template assets/templates/*.j2
# The linter: one seed per real status update (a whole corpus file as one input would make
# libFuzzer's inputs 270 KB long and its runs slow; see max_len below).
mkdir -p fuzz/corpus/lint
python3 - <<'PY'
import hashlib, pathlib, tomllib
for f in pathlib.Path("tests/data/status-updates").glob("*.toml"):
    for u in tomllib.loads(f.read_text()).get("update", []):
        t = u.get("text", "").encode()
        if t:
            name = "seed-update-" + hashlib.sha1(t).hexdigest()[:16]
            pathlib.Path("fuzz/corpus/lint", name).write_bytes(t)
PY
seed writing_input
mkdir -p fuzz/logs

# ASan keeps freed memory in a quarantine (256 MB by default) that counts in the process's
# RSS: over a few thousand seeds it alone passes the 256 MB limit (scenario, session 4:
# "out-of-memory" while loading the seeds; the input itself: 43 MB, 24 ms). A smaller
# quarantine keeps -rss_limit_mb about the inputs; -malloc_limit_mb catches one big allocation.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=32"

status=0
for t in "${targets[@]}"; do
  echo "== $t: ${secs}s"
  mkdir -p "fuzz/corpus/$t" # a target without seeds gathered here (libFuzzer needs the dir)
  # -runs caps a fast target at 10 million executions. A status update is short: the linter's
  # inputs are capped at 4 KB (its proptest covers longer texts).
  extra=()
  [ "$t" = lint ] && extra=(-max_len=4096)
  if ! nice -n 19 cargo +nightly fuzz run --fuzz-dir fuzz "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
      -max_total_time="$secs" -runs=10000000 -timeout=1 -rss_limit_mb=256 -malloc_limit_mb=256 \
      "${extra[@]}" -print_final_stats=1 >"fuzz/logs/$t.log" 2>&1; then
    echo "   FOUND SOMETHING: see fuzz/logs/$t.log and fuzz/artifacts/$t/"
    status=1
  fi
  grep -E '^#[0-9]+' "fuzz/logs/$t.log" | tail -1 || true
  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "fuzz/logs/$t.log" || true
done
exit $status
