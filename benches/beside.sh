#!/usr/bin/env bash
# Wall times of the commands that read or administer, run beside a
# `serve` of the store in DATA (issue 19): each must answer from the
# clusters the service saved, without rebuilding. Prints one line per
# command with its wall time and peak RSS (/usr/bin/time -v), and the
# service's RSS before and after.
#
#   benches/beside.sh DATA [RUNS]        # from the repository root
#
# Needs a release build (`cargo build --release`; FRAUDLINK_BIN names
# another binary) and a store in DATA
# (e.g. `fraudlink gen --reports 1000000 --seed 42 --out G` and
# `fraudlink --data DATA ingest G/reports.ndjson`).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${1:?usage: benches/beside.sh DATA [RUNS]}
RUNS=${2:-3}
BIN=${FRAUDLINK_BIN:-$PWD/target/release/fraudlink}
# Every read of report data is logged with its purpose.
export FRAUDLINK_REASON="benches/beside.sh"
PORT=${BENCH_PORT:-8398}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"; [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true' EXIT
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }

"$BIN" --data "$DATA" serve --addr "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
SERVER=$!
until curl -sf "http://127.0.0.1:$PORT/api/v1/healthz" > /dev/null; do sleep 0.5; done
# Serve has saved its clusters by the time it answers (it saves them as it
# opens the store, unless they were saved already).
rss() { grep VmRSS "/proc/$SERVER/status" | awk '{print $2}'; }
echo "serve RSS before: $(rss) kB"

# Written whole first: reading one line of the pipe would stop the export
# with SIGPIPE, which pipefail turns into a silent exit.
"$BIN" --data "$DATA" export clusters > "$OUT/clusters.ndjson" 2>/dev/null
A_REPORT=$(head -1 "$OUT/clusters.ndjson" | python3 -c 'import json,sys; c=json.loads(sys.stdin.readline()); print(c["report_ids"][0], c["report_ids"][-1], c["cluster_id"])')
read -r R1 R2 CID <<< "$A_REPORT"

timed() { # name, command...
  local name=$1; shift
  for run in $(seq 1 "$RUNS"); do
    /usr/bin/time -v "$@" > "$OUT/stdout" 2> "$OUT/time" || { echo "$name failed:"; cat "$OUT/time"; exit 1; }
    wall=$(grep -F "Elapsed (wall clock)" "$OUT/time" | sed 's/.*: //' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(grep -F "Maximum resident" "$OUT/time" | sed 's/.*: //')
    printf '%-28s run %s  %6.2f s  max RSS %7s kB  (%s bytes out)\n' "$name" "$run" "$wall" "$rss" "$(wc -c < "$OUT/stdout")"
  done
}

F=("$BIN" --data "$DATA")
timed "token create" "${F[@]}" token create --role analyst --label beside-bench
ID=$("${F[@]}" token list | tail -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["id"])')
timed "token list" "${F[@]}" token list
timed "audit" "${F[@]}" audit --limit 100
timed "clusters" "${F[@]}" clusters
timed "cluster show" "${F[@]}" cluster show "$CID"
timed "hubs" "${F[@]}" hubs
timed "suggestions" "${F[@]}" suggestions
timed "search" "${F[@]}" search '"veilige rekening"'
timed "explain" "${F[@]}" explain "$R1" "$R2"
timed "export clusters (NDJSON)" "${F[@]}" export clusters
timed "triage" "${F[@]}" triage "$CID" --note "beside-bench"
for run in $(seq 1 "$RUNS"); do
  "${F[@]}" token create --role analyst --label "beside-bench-revoke-$run" > /dev/null 2>&1
done
IDS=$("${F[@]}" token list | python3 -c '
import json, sys
for l in sys.stdin:
    t = json.loads(l)
    if t["label"].startswith("beside-bench-revoke-") and t["state"] == "live":
        print(t["id"])')
for id in $IDS; do
  /usr/bin/time -v "${F[@]}" token revoke "$id" > /dev/null 2> "$OUT/time"
  printf '%-28s        %6s s\n' "token revoke" "$(grep -F "Elapsed (wall clock)" "$OUT/time" | sed 's/.*: //')"
done
echo "serve RSS after:  $(rss) kB"
