#!/usr/bin/env python3
"""Hostile checks against a running release build (issue 19).

Sixteen 2 MB checks (a 950 KB statement and 33,000 handles, the body of the
finding) are posted at once while a health check and an intake officer's
small check are timed one after the other. Run twice: with the default
limits (the big checks are refused at once, 413) and with the limits raised
so that the big checks are worked on (`--let-through`: narrative 1 MiB,
50,000 identifiers, 4 MiB bodies), which is what the queues and lanes are
for. Prints what each big check got and the latencies (p50, p99, max).

    cargo build --release
    python3 benches/hostile.py                # default limits
    python3 benches/hostile.py --let-through  # the big checks are worked on

Standard library only; FRAUDLINK_BIN names another binary.
"""

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("FRAUDLINK_BIN", os.path.join(ROOT, "target/release/fraudlink"))


def big_check(narrative=950_000, handles=33_000):
    sentence = ("Hij appte via WhatsApp vanaf 06-12345678 en ik maakte geld over naar "
                "NL42 INGB 0006 1234 56. ")
    text = (sentence * (narrative // len(sentence) + 1))[:narrative]
    idents = [{"type": "handle", "value": f"@gebruiker_{i}"} for i in range(handles)]
    return json.dumps({"narrative": text, "identifiers": idents}).encode()


def post(url, token, body, timeout=180):
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "authorization": f"Bearer {token}", "content-type": "application/json",
        "x-fraudlink-reason": "benches/hostile.py"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            res.read()
            return res.status, res.headers.get("retry-after")
    except urllib.error.HTTPError as e:
        e.read()
        return e.code, e.headers.get("retry-after")


def timed(fn):
    start = time.perf_counter()
    status = fn()
    return (time.perf_counter() - start) * 1000, status


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--let-through", action="store_true",
                    help="raise the limits so that the big checks are worked on")
    ap.add_argument("--port", type=int, default=8397)
    ap.add_argument("--clients", type=int, default=16)
    a = ap.parse_args()

    data = tempfile.mkdtemp(prefix="fraudlink-hostile-")
    env = dict(os.environ)
    if a.let_through:
        env.update(FRAUDLINK_LIMITS_MAX_NARRATIVE_BYTES=str(1 << 20),
                   FRAUDLINK_LIMITS_MAX_IDENTIFIERS="50000",
                   FRAUDLINK_SERVER_MAX_BODY_BYTES=str(4 << 20),
                   FRAUDLINK_SERVER_REQUEST_TIMEOUT_SECS="180")
    fixtures = os.path.join(ROOT, "fixtures", "reports.ndjson")
    subprocess.run([BIN, "--data", data, "ingest", fixtures], env=env, check=True,
                   capture_output=True)
    token = subprocess.run([BIN, "--data", data, "token", "create", "--role", "intake",
                            "--team", "Amsterdam-Centrum", "--label", "hostile bench"],
                           env=env, check=True, capture_output=True, text=True).stdout.strip()
    base = f"http://127.0.0.1:{a.port}/api/v1"
    server = subprocess.Popen([BIN, "--data", data, "serve", "--addr", f"127.0.0.1:{a.port}"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        small = json.dumps({"narrative": "Het geld ging naar NL42 INGB 0006 1234 56."}).encode()
        quiet = [timed(lambda: post(base + "/check", token, small))[0] for _ in range(50)]

        body = big_check()
        results = []
        started = time.perf_counter()

        def one():
            ms, (status, retry) = timed(lambda: post(base + "/check", token, body))
            results.append((status, retry, ms))

        threads = [threading.Thread(target=one) for _ in range(a.clients)]
        for t in threads:
            t.start()
        health, checks = [], []
        while any(t.is_alive() for t in threads) and len(health) < 200:
            health.append(timed(lambda: urllib.request.urlopen(base + "/healthz",
                                                              timeout=30).status)[0])
            checks.append(timed(lambda: post(base + "/check", token, small))[0])
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started

        by_status = {}
        for status, retry, ms in results:
            by_status.setdefault(status, []).append(ms)
        print(f"limits: {'raised (--let-through)' if a.let_through else 'default'}; "
              f"{a.clients} checks of {len(body):,} bytes at once, all answered in {elapsed:.2f} s")
        for status, ms in sorted(by_status.items()):
            retry = sum(1 for s, r, _ in results if s == status and r)
            print(f"  {status}: {len(ms)} (Retry-After on {retry}), answer time "
                  f"min {min(ms):.0f} ms, max {max(ms):.0f} ms")
        print(f"  small check, idle: p50 {pct(quiet, 0.5):.2f} ms, max {max(quiet):.2f} ms (50)")
        if health:
            print(f"  during: healthz p50 {pct(health, 0.5):.2f} ms, p99 {pct(health, 0.99):.2f} ms, "
                  f"max {max(health):.2f} ms; small check p50 {pct(checks, 0.5):.2f} ms, "
                  f"p99 {pct(checks, 0.99):.2f} ms, max {max(checks):.2f} ms ({len(health)} each)")
        else:
            print("  the big checks were all answered before the first timed request")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
