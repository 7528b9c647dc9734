#!/usr/bin/env bash
# The start of `fraudlink serve` on a large store (issue 23): launches it
# and every 0.2 s polls the port (`healthz`), its `clusters` and `ready`,
# and one intake check, then prints the seconds from the launch to each, the server's RSS
# at those moments and its peak, and the log lines of the open (re-cluster
# times). Stops the server when it is ready, or after LIMIT seconds; with
# PUSH=1 it first pushes one report (so that a re-cluster is due), and it
# times the stop (SIGTERM to exit).
#
#   benches/start.sh DATA                 # from the repository root
#
# Needs a release build (FRAUDLINK_BIN names another binary), curl and
# python3. DATA is a data directory filled by `fraudlink ingest`.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${1:?usage: benches/start.sh DATA}
BIN=${FRAUDLINK_BIN:-$PWD/target/release/fraudlink}
PORT=${START_PORT:-8399}
LIMIT=${LIMIT:-900}
URL=http://127.0.0.1:$PORT
OUT=$(mktemp -d)

INTAKE=$("$BIN" --data "$DATA" token create --role intake --team Amsterdam-Centrum --label "start bench")
# One check of a number nobody names: what an intake officer asks first.
BODY='{"identifiers": [{"type": "phone", "value": "+31612345678"}]}'

launched=$(date +%s.%N)
FRAUDLINK_LOG=${FRAUDLINK_LOG:-warn,fraudlink::engine=info} "$BIN" --data "$DATA" serve --addr "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2> /dev/null || true; wait $SERVER 2> /dev/null || true' EXIT
since() { echo "$(date +%s.%N) $launched" | awk '{printf "%.1f", $1 - $2}'; }
rss() { awk '/VmRSS/ {printf "%.2f GB", $2 / 1e6}' "/proc/$SERVER/status"; }
peak() { awk '/VmHWM/ {printf "%.2f GB", $2 / 1e6}' "/proc/$SERVER/status"; }

answered="" checked="" built="" ready=""
while [ -z "$ready" ]; do
  kill -0 "$SERVER" 2> /dev/null || { echo "serve stopped; see $OUT/serve.log" >&2; exit 1; }
  if [ "$(since | cut -d. -f1)" -ge "$LIMIT" ]; then
    echo "not ready after $LIMIT s" >&2
    break
  fi
  if health=$(curl -sf --max-time 1 "$URL/api/v1/healthz"); then
    if [ -z "$answered" ]; then
      answered=$(since)
      echo "healthz answers after $answered s (RSS $(rss))"
    fi
    if [ -z "$checked" ]; then
      # Only an answer counts (curl -f still prints the time of a refusal).
      took=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $INTAKE" \
        -H "X-Fraudlink-Reason: start bench" -H 'Content-Type: application/json' \
        -d "$BODY" "$URL/api/v1/check" || true)
      if [ "${took%% *}" = 200 ]; then
        took=${took#* }
        checked=$(since)
        echo "first check answered after $checked s, in $took s"
      fi
    fi
    if [ -z "$built" ] && grep -q '"clusters":true' <<< "$health"; then
      built=$(since)
      echo "clusters built after $built s (RSS $(rss))"
    fi
    if ! grep -q '"ready":false' <<< "$health"; then
      ready=$(since)
      echo "ready after $ready s (RSS $(rss), peak $(peak))"
    fi
  fi
  sleep 0.2
done
# A few checks once ready, one at a time.
for _ in 1 2 3 4 5; do
  curl -s -o /dev/null -w 'check: %{http_code} in %{time_total} s\n' -H "Authorization: Bearer $INTAKE" \
    -H "X-Fraudlink-Reason: start bench" -H 'Content-Type: application/json' \
    -d "$BODY" "$URL/api/v1/check" || true
done
echo "RSS when ready: $(rss), peak $(peak)"
if [ "${PUSH:-0}" = 1 ]; then
  curl -s -o /dev/null -w 'push: %{http_code} in %{time_total} s\n' -H "Authorization: Bearer $INTAKE" \
    -H 'Content-Type: application/x-ndjson' --data-binary "{\"id\": \"START-BENCH-$(date +%s)\", \"filed_at\": \"2026-12-07T08:00:00Z\", \"unit\": \"Amsterdam\", \"team\": \"Amsterdam-Centrum\", \"narrative\": \"Betaald op NL91ABNA0417164300 voor een fiets via Marktplaats.\"}
" "$URL/api/v1/reports" || true
  sleep 2
fi
stopping=$(date +%s.%N)
kill -TERM "$SERVER"
wait "$SERVER" || true
echo "stopped $(echo "$(date +%s.%N) $stopping" | awk '{printf "%.1f", $1 - $2}') s after SIGTERM"
trap - EXIT
echo "the open and the stop, from the server's log:"
sed 's/\x1b\[[0-9;]*m//g' "$OUT/serve.log" | grep -E 'rebuilt|caught up|worked out|saved|stopping' | cut -c1-400 || true
echo "log in $OUT/serve.log"
