#!/usr/bin/env bash
# Mixed load on loopback (issue 8): 32 concurrent clients for DURATION
# seconds against `fraudlink serve` over the store in DATA: 8 intake
# clients checking identifiers, 8 pushing new reports, 8 analysts
# searching and 8 reading cluster pages. Prints each endpoint's p50, p99,
# requests and errors, and the server's RSS before, during and after.
#
#   benches/load.sh DATA [DURATION]       # from the repository root
#
# DATA is a data directory (e.g. one filled by benches/million.sh, or
# `fraudlink gen` + `fraudlink ingest`). Pushed reports are stored in it
# (ids LOAD-…); use a copy if that matters. Needs a release build, wrk,
# curl and python3.
#
# LOAD_PUSHES=0 leaves the pushing clients out (the data then does not
# grow, so the memory must not either); LOAD_AFTER=S keeps sampling the
# server's memory every 10 s for S seconds (a multiple of 10) after the
# load. RSS is printed
# with its anonymous part (the heap) and its file part (the search
# index's and the store's mapped files, which the kernel may drop).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${1:?usage: benches/load.sh DATA [DURATION]}
DURATION=${2:-60}
BIN=${FRAUDLINK_BIN:-$PWD/target/release/fraudlink}
PORT=${LOAD_PORT:-8398}
OUT=$(mktemp -d)
URL=http://127.0.0.1:$PORT
export SUMMARY=$PWD/benches/load/summary.lua RUN=$(date +%s)

# The pushes (benches/load/report.lua) are Amsterdam-Centrum's reports: an
# intake token writes only its own team's.
INTAKE=$("$BIN" --data "$DATA" token create --role intake --team Amsterdam-Centrum --label "load intake")
ANALYST=$("$BIN" --data "$DATA" token create --role analyst --label "load analyst")

FRAUDLINK_LOG=${FRAUDLINK_LOG:-warn,fraudlink::engine=info} "$BIN" --data "$DATA" serve --addr "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
SERVER=$!
# On exit, stop the server and wait: it records the index generation as it
# stops, and a next run must find the index free.
trap 'kill $SERVER 2> /dev/null || true; wait $SERVER 2> /dev/null || true' EXIT
until curl -sf "$URL/api/v1/healthz" > /dev/null; do sleep 0.5; done
# serve answers at once and does the work of its start beside the first
# requests (the pages' inputs, saving the clusters for the commands: a
# minute or two at ten million reports); the load starts when `healthz`
# says it is ready (a build without the field is ready when it answers).
until curl -sf "$URL/api/v1/healthz" | grep -qv '"ready":false'; do sleep 0.5; done
sleep 2 # let it settle
rss() { awk '/VmRSS|RssAnon|RssFile/ {v[$1] = $2} END {printf "%s kB (anon %s, file %s)", v["VmRSS:"], v["RssAnon:"], v["RssFile:"]}' "/proc/$SERVER/status"; }
echo "RSS at start: $(rss)"

# What the readers ask for: the top clusters' pages and searches over
# words and identifiers taken from the data itself.
# A server that cannot answer (a full disk, say) is named here, not by a
# Python error about empty input further on.
curl -sf -H "Authorization: Bearer $ANALYST" -H "X-Fraudlink-Reason: load test" "$URL/api/v1/clusters?limit=200" > "$OUT/top.json" \
  || { echo "the server did not list its clusters; see $OUT/serve.log" >&2; exit 1; }
python3 -c '
import json, sys
page = json.load(sys.stdin)
items = page["clusters"] if isinstance(page, dict) else page
for c in items:
    print("/api/v1/clusters/" + c["cluster_id"])
' < "$OUT/top.json" > "$OUT/clusters.txt"
python3 - "$OUT/clusters.txt" > "$OUT/search.txt" <<'PY'
import urllib.parse
words = ["rekening", "nieuwe pas", "veilige rekening", "hoi mam", "marktplaats",
         "bitcoin", "whatsapp", "helpdesk", "pakket", "beleggen"]
for w in words:
    print("/api/v1/search?limit=20&q=" + urllib.parse.quote(w))
PY
BODY=$(python3 -c '
import json, sys
page = json.load(sys.stdin)
c = (page["clusters"] if isinstance(page, dict) else page)[0]
ids = [{"type": i["type"], "value": i["value"]} for i in c["identifiers"][:2]]
print(json.dumps({"identifiers": ids}))
' < "$OUT/top.json")
export BODY

# The loaders' process ids, waited for below (the server is not one).
loaders=()
TOKEN=$INTAKE wrk -t1 -c8 -d"${DURATION}s" --latency -s benches/load/check.lua "$URL/api/v1/check" > "$OUT/check.out" &
loaders+=($!)
if [ "${LOAD_PUSHES:-1}" != 0 ]; then
  TOKEN=$INTAKE wrk -t1 -c8 -d"${DURATION}s" -s benches/load/report.lua "$URL" > "$OUT/push.out" &
  loaders+=($!)
else
  echo "p50=- (no pushes: LOAD_PUSHES=0)" > "$OUT/push.out"
fi
TOKEN=$ANALYST PATHS=$OUT/search.txt wrk -t1 -c8 -d"${DURATION}s" -s benches/load/get.lua "$URL" > "$OUT/search.out" &
loaders+=($!)
TOKEN=$ANALYST PATHS=$OUT/clusters.txt wrk -t1 -c8 -d"${DURATION}s" -s benches/load/get.lua "$URL" > "$OUT/cluster.out" &
loaders+=($!)
sleep $((DURATION / 2))
echo "RSS mid-run:  $(rss)"
wait "${loaders[@]}" || echo "a load client failed; see $OUT" >&2
echo "RSS at end:   $(rss)"
sleep 10
echo "RSS 10 s later: $(rss)"
for ((t = 20; t <= ${LOAD_AFTER:-0}; t += 10)); do
  sleep 10
  echo "RSS $t s later: $(rss)"
done
for e in check push search cluster; do
  printf '%-8s %s\n' "$e" "$(grep '^p50' "$OUT/$e.out")"
done
curl -sf "$URL/api/v1/healthz" > /dev/null && echo "server still answering"
echo "logs in $OUT"
