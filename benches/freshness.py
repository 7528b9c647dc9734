#!/usr/bin/env python3
"""Time from a pushed report's acknowledgement to a check that finds it.

    benches/freshness.py URL INTAKE_TOKEN [N]

Against a running `fraudlink serve` (URL like http://127.0.0.1:8398):
N times (20), POST /api/v1/reports one new report naming a phone number
nobody named before, then POST /api/v1/check that number every 10 ms
until the answer names it: as `pending` (stored, not yet linked) or in
`matches` (linked into its cluster). With LINKED=1 it waits for `matches`
alone, the time until the report is in its cluster. With ANALYST set to
an analyst token, each report also names a linking identifier of the
first cluster of GET /api/v1/clusters, and the time is until that
cluster's page (GET /api/v1/clusters/{id}) lists it, under `pending` or
among its reports (with LINKED=1, among its reports). Prints each time and
the p50, p99 and maximum in milliseconds (from the push's acknowledgement;
a push or check refused with 503 is sent again after its Retry-After, and
counted). The token is an intake token of Amsterdam-Centrum (an
intake token writes only its own team's reports). Run it beside
benches/load.sh for the figure under load. Only the standard library.
"""

import json
import os
import random
import sys
import time
import urllib.error
import urllib.request


def call(url, token, path, body, kind):
    headers = {
        "Authorization": "Bearer " + token,
        "X-Fraudlink-Reason": "freshness benchmark",
    }
    if body is None:
        req = urllib.request.Request(url + path, headers=headers)
    else:
        headers["Content-Type"] = kind
        req = urllib.request.Request(url + path, data=body.encode(), method="POST", headers=headers)
    # A full queue answers 503 with Retry-After (the push lane holds a few
    # bodies; under benches/load.sh its eight pushing clients fill it):
    # wait as told and send again, as a client should.
    for _ in range(100):
        try:
            with urllib.request.urlopen(req, timeout=600) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as e:
            if e.code != 503:
                raise
            global REFUSED
            REFUSED += 1
            time.sleep(float(e.headers.get("Retry-After") or 1))
    raise SystemExit(f"{path}: 503 a hundred times")


REFUSED = 0


def main():
    url, token = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    run = f"{int(time.time())}-{random.randrange(10**6)}"
    linked_only = os.environ.get("LINKED") == "1"
    analyst = os.environ.get("ANALYST")
    cluster = None
    if analyst:
        top = call(url, analyst, "/api/v1/clusters?limit=1", None, None)
        first = (top["clusters"] if isinstance(top, dict) else top)[0]
        shown = call(url, analyst, "/api/v1/clusters/" + first["cluster_id"], None, None)
        named = next(i for i in shown["identifiers"] if i["state"]["state"] == "active")
        cluster = (first["cluster_id"], {"type": named["type"], "value": named["value"]})
    times = []
    for i in range(n):
        # 06-1: a mobile range in use, so the number is valid.
        phone = f"061{random.randrange(10**7):07d}"
        report = {
            "id": f"FRESH-{run}-{i}",
            "filed_at": "2026-11-01T10:00:00Z",
            "unit": "Amsterdam",
            "team": "Amsterdam-Centrum",
            "fraud_type": "marketplace",
            "amount_eur": 80.0,
            "narrative": "Ik betaalde voor een telefoon maar kreeg niets.",
            "identifiers": [{"type": "phone", "value": phone}],
        }
        if cluster:
            report["identifiers"].append(cluster[1])
        check = json.dumps({"identifiers": [{"type": "phone", "value": phone}]})
        call(url, token, "/api/v1/reports", json.dumps(report) + "\n", "application/x-ndjson")
        acked = time.monotonic()
        while True:
            if cluster:
                # The cluster of the report, or the one it merged into.
                page = call(url, analyst, "/api/v1/clusters/" + cluster[0], None, None)
                if report["id"] in page["cluster"]["report_ids"] or (
                    not linked_only and any(p["report_id"] == report["id"] for p in page.get("pending", []))
                ):
                    break
            else:
                answer = call(url, token, "/api/v1/check", check, "application/json")
                if answer["matches"] or (answer.get("pending") and not linked_only):
                    break
            time.sleep(0.01)
        times.append((time.monotonic() - acked) * 1000)
        print(f"push {i + 1}: answered after {times[-1]:.0f} ms", flush=True)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    if cluster:
        what = "in its cluster" if linked_only else "on its cluster's page"
    else:
        what = "in its cluster" if linked_only else "found by a check"
    print(f"{what} after a push, over {n} pushes: p50 {pick(0.5):.0f} ms, p99 {pick(0.99):.0f} ms, max {times[-1]:.0f} ms")
    if REFUSED:
        print(f"{REFUSED} requests answered 503 (queue full) and were sent again after Retry-After")


if __name__ == "__main__":
    main()
