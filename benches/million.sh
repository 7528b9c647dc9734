#!/usr/bin/env bash
# The whole-process benchmark of docs/performance.md's Performance section: generates
# N reports (default 1,000,000), then measures each figure (ingest, and
# `fraudlink extract` alone on the same file beside it, open, check,
# memory) with
# /usr/bin/time -v and wrk, RUNS times (default 3), and prints the medians.
#
#   benches/million.sh [N] [RUNS]        # from the repository root
#
# Needs: a release build (`cargo build --release`), wrk and curl (Debian
# packages), python3 with `phonenumbers` (pip) for the baseline. Work files
# go to ${BENCH_DIR:-/tmp/fraudlink-bench}; each run starts from an empty
# store. About 3 minutes per run at 1M on 2 cores, plus the baseline.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000000}
RUNS=${2:-3}
DIR=${BENCH_DIR:-/tmp/fraudlink-bench}
BIN=$PWD/target/release/fraudlink
PORT=${BENCH_PORT:-8397}
export SUMMARY=$PWD/benches/load/summary.lua
mkdir -p "$DIR"
# The per-run figures; those of an earlier, interrupted run would spoil
# the medians.
FIGURES=(ingest_rate ingest_rss extract_rate open_wall partition_ms assign_ms check serve_rss python_wall)
clear_figures() { for f in "${FIGURES[@]}"; do rm -f "$DIR/$f"; done; }
clear_figures
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# The runs' values in run order, for the README's "runs" column.
runs() { paste -sd/ - | sed 's#/# / #g'; }
field() { grep -F "$1" "$2" | sed 's/.*: //'; }
seconds() { # h:mm:ss or m:ss.cc -> seconds
  awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }'
}

echo "== generating $N reports"
if [ ! -s "$DIR/gen/reports.ndjson" ] || [ "$(wc -l < "$DIR/gen/reports.ndjson")" != "$N" ]; then
  rm -rf "$DIR/gen"
  "$BIN" gen --reports "$N" --seed 42 --out "$DIR/gen" --check 2000
fi
IN=$DIR/gen/reports.ndjson
# One check request: the identifiers of a generated check line.
BODY=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)["report"]
    if r.get("identifiers"):
        print(json.dumps({"identifiers": r["identifiers"]}))
        break
' "$DIR/gen/check.ndjson")

for run in $(seq 1 "$RUNS"); do
  echo "== run $run of $RUNS"
  rm -rf "$DIR/store"
  /usr/bin/time -v "$BIN" --data "$DIR/store" ingest "$IN" > /dev/null 2> "$DIR/ingest.$run.time"
  wall=$(field "Elapsed (wall clock)" "$DIR/ingest.$run.time" | seconds)
  echo "$N $wall" | awk '{printf "%.0f\n", $1/$2}' >> "$DIR/ingest_rate"
  field "Maximum resident" "$DIR/ingest.$run.time" >> "$DIR/ingest_rss"
  # Extraction alone on the same file, one thread with its JSON output,
  # right after each ingest: the bound of issue 23 (ingest / extract).
  /usr/bin/time -v "$BIN" extract "$IN" > /dev/null 2> "$DIR/extract.$run.time"
  wall=$(field "Elapsed (wall clock)" "$DIR/extract.$run.time" | seconds)
  echo "$N $wall" | awk '{printf "%.0f\n", $1/$2}' >> "$DIR/extract_rate"

  # Opening as the owner rebuilds the clusters when the saved ones are
  # missing or behind (an empty import does nothing else; with current
  # saved clusters it does not rebuild at all, and the reading commands
  # never do): the file is removed first, so the wall time includes saving
  # it again, and the re-cluster alone is its log line's elapsed_ms.
  rm -f "$DIR/store/state/clusters.bin"
  FRAUDLINK_LOG=info /usr/bin/time -v "$BIN" --data "$DIR/store" ingest /dev/null > /dev/null 2> "$DIR/open.$run.time"
  field "Elapsed (wall clock)" "$DIR/open.$run.time" | seconds >> "$DIR/open_wall"
  sed 's/\x1b\[[0-9;]*m//g' "$DIR/open.$run.time" | grep 'clusters rebuilt' | grep -o 'elapsed_ms=[0-9]*' | cut -d= -f2 >> "$DIR/rebuild_ms"
  sed 's/\x1b\[[0-9;]*m//g' "$DIR/open.$run.time" | grep -o 'partition_ms=[0-9]*' | cut -d= -f2 >> "$DIR/partition_ms"
  sed 's/\x1b\[[0-9;]*m//g' "$DIR/open.$run.time" | grep -o 'assign_ms=[0-9]*' | cut -d= -f2 >> "$DIR/assign_ms"

  TOKEN=$("$BIN" --data "$DIR/store" token create --role intake --team Heerlen --label bench 2> /dev/null)
  "$BIN" --data "$DIR/store" serve --addr "127.0.0.1:$PORT" > "$DIR/serve.$run.log" 2>&1 &
  SERVER=$!
  # serve answers at once and works out its pages' inputs beside the
  # first requests; the checks start when `healthz` says it is ready.
  until curl -sf "http://127.0.0.1:$PORT/api/v1/healthz" | grep -qv '"ready":false'; do sleep 0.5; done
  sleep 2 # let it settle
  TOKEN=$TOKEN BODY=$BODY wrk -t2 -c16 -d20s -s benches/load/check.lua "http://127.0.0.1:$PORT/api/v1/check" \
    | grep '^p50' | tee -a "$DIR/check"
  grep VmRSS "/proc/$SERVER/status" | awk '{print $2}' >> "$DIR/serve_rss"
  kill "$SERVER"; wait "$SERVER" || true
done

echo "== baseline: the analyst's Python script on the same file"
if [ -n "${SKIP_BASELINE:-}" ]; then
  echo "skipped (SKIP_BASELINE)"
elif python3 -c 'import phonenumbers' 2> /dev/null; then
  rm -f "$DIR/python_wall"
  for run in $(seq 1 "$RUNS"); do
    /usr/bin/time -v python3 benches/analyst_baseline.py "$IN" > /dev/null 2> "$DIR/python.$run.time"
    field "Elapsed (wall clock)" "$DIR/python.$run.time" | seconds >> "$DIR/python_wall"
  done
else
  echo "pip install phonenumbers for the baseline" >&2
fi

echo
echo "== medians of $RUNS runs, $N reports"
printf 'ingest end to end        %s reports/s (max RSS %s kB); runs %s\n' "$(median < "$DIR/ingest_rate")" "$(median < "$DIR/ingest_rss")" "$(runs < "$DIR/ingest_rate")"
printf 'extract alone, 1 thread  %s reports/s; runs %s\n' "$(median < "$DIR/extract_rate")" "$(runs < "$DIR/extract_rate")"
printf 'ingest / extract         %s\n' "$(echo "$(median < "$DIR/ingest_rate") $(median < "$DIR/extract_rate")" | awk '{printf "%.2f", $1/$2}')"
printf 'open, rebuild and save   %s s (the re-cluster %s ms); runs %s\n' "$(median < "$DIR/open_wall")" "$(median < "$DIR/rebuild_ms")" "$(runs < "$DIR/open_wall")"
printf 're-cluster               %s ms partition + %s ms ids\n' "$(median < "$DIR/partition_ms")" "$(median < "$DIR/assign_ms")"
printf '/check p99, 16 clients   %s ms; runs %s\n' "$(grep -o 'p99=[0-9.]*' "$DIR/check" | cut -d= -f2 | median)" "$(grep -o 'p99=[0-9.]*' "$DIR/check" | cut -d= -f2 | runs)"
printf 'serving RSS              %s kB; runs %s\n' "$(median < "$DIR/serve_rss")" "$(runs < "$DIR/serve_rss")"
if [ -s "$DIR/python_wall" ]; then
  py=$(median < "$DIR/python_wall")
  ours=$(median < "$DIR/ingest_rate" | awk -v n="$N" '{print n/$1}')
  printf 'python baseline          %s s; runs %s; fraudlink %.0f s; %.1fx\n' "$py" "$(runs < "$DIR/python_wall")" "$ours" "$(echo "$py $ours" | awk '{print $1/$2}')"
fi
clear_figures
