#!/usr/bin/env bash
# Page times of the web UI on a large store (issue 22): signs in with an
# admin token, then times each page three times with curl (the first view
# of a page after a start or a change of the clusters computes what the
# page caches; the next two read the cache). Then pushes one report and
# times the pages again, since every change of the clusters is a new
# state. Prints `status seconds page` per request and the service's RSS.
#
#   benches/pages.sh DATA              # from the repository root
#
# Needs a release build (`cargo build --release`; FRAUDLINK_BIN names
# another binary) and a store in DATA
# (e.g. `fraudlink gen --reports 1000000 --seed 42 --out G` and
# `fraudlink --data DATA ingest G/reports.ndjson`).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${1:?usage: benches/pages.sh DATA}
BIN=${FRAUDLINK_BIN:-$PWD/target/release/fraudlink}
PORT=${PORT:-18099}
URL=http://127.0.0.1:$PORT
JAR=$(mktemp)
PAGE=$(mktemp)

TOKEN=$("$BIN" --data "$DATA" token create --role admin --label benches-pages 2>/dev/null)
"$BIN" --data "$DATA" serve --addr "127.0.0.1:$PORT" >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -f "$JAR" "$PAGE"' EXIT
for i in $(seq 1 600); do
    curl -sf "$URL/api/v1/healthz" >/dev/null && break
    sleep 1
done
echo "serving after $i s"
curl -s -c "$JAR" -o /dev/null -d "token=$TOKEN&purpose=meting+paginatijden" "$URL/login"

time_page() {
    for _ in 1 2 3; do
        curl -s -b "$JAR" -o "$PAGE" -w "%{http_code} %{time_total}" "$URL$1"
        echo " $1"
    done
}

pages() {
    time_page "/"
    time_page "/flow"
    time_page "/flow?weeks=52"
    time_page "/suggestions"
    time_page "/admin"
    time_page "/search?q=bank"
    time_page "/search?q=bank&group=cluster"
    time_page "/identifiers?kind=domain&value=marktplaats.nl"
    time_page "/"
    local cluster
    cluster=$(grep -o 'href="/clusters/[^"]*"' "$PAGE" | head -1 | cut -d'"' -f2)
    time_page "$cluster"
}

echo "== after the start"
pages
echo "== after a push (a new state of the clusters)"
curl -s -o /dev/null -w "push %{http_code}\n" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/x-ndjson' \
    --data-binary '{"report_id":"BENCH-PAGES-'"$$"'","filed_at":"2026-12-06T10:00:00Z","unit":"Oost-Brabant","team":"Peelland","fraud_type":"marktplaatsfraude","narrative":"Betaald aan NL91ABNA0417164300, contact via 0612345678.","identifiers":[]}' \
    "$URL/api/v1/reports"
sleep 15
pages
ps -o rss= -p "$SERVER" | awk '{printf "serve RSS %.0f MB\n", $1/1024}'
