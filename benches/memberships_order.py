#!/usr/bin/env python3
"""How the order of an assignment's rows decides the time SQLite takes to
save them (issue 23; docs/performance.md, "An import's last steps side by
side"). Inserts N memberships (report id, cluster id), as the store's
`memberships` table holds them (a text primary key and an index on the
cluster), into a new database with a page cache of CACHE_KIB, in one of
three ways:

    random   in any order (hash-map order, as a save did before)
    sorted   in report order (the primary key then only appends)
    bulk     in report order, the cluster index dropped first and made
             again after the rows (what `Store::save_assignment` does when
             a save rewrites at least as many memberships as it keeps)

    python3 benches/memberships_order.py N CACHE_KIB MODE [DIR]

A small cache stands for a large table: 4,000,000 rows in 16,000 KiB behave
as 10M rows in the store's 128 MB. Prints the mode, N, the cache and the
seconds of the insert and commit.
"""
import hashlib
import os
import random
import sqlite3
import sys
import tempfile
import time

n, cache, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if mode not in ("random", "sorted", "bulk"):
    sys.exit("MODE: random, sorted or bulk")
folder = sys.argv[4] if len(sys.argv) > 4 else tempfile.mkdtemp()
path = os.path.join(folder, f"memberships-{mode}.db")
for f in (path, path + "-wal", path + "-shm"):
    if os.path.exists(f):
        os.remove(f)
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.execute(f"PRAGMA cache_size=-{cache}")
db.execute("CREATE TABLE memberships (report_id TEXT PRIMARY KEY, cluster_id TEXT NOT NULL)")
db.execute("CREATE INDEX memberships_cluster ON memberships (cluster_id)")
random.seed(1)
units = ["UTR", "AMS", "RTM", "DHG", "EHV", "ZWL", "GRN", "ARN", "MST", "BRD"]
rows = []
for i in range(n):
    report = f"2026-{units[i % 10]}-{random.randrange(10**7):07d}-{i}"
    # Two reports a cluster; a cluster id is a hash, as the store's are.
    cluster = "C-" + hashlib.blake2b(str(i // 2).encode(), digest_size=4).hexdigest()
    rows.append((report, cluster))
random.shuffle(rows)
if mode != "random":
    rows.sort()
started = time.time()
db.execute("BEGIN IMMEDIATE")
if mode == "bulk":
    db.execute("DROP INDEX memberships_cluster")
db.executemany("INSERT OR REPLACE INTO memberships VALUES (?, ?)", rows)
if mode == "bulk":
    db.execute("CREATE INDEX memberships_cluster ON memberships (cluster_id)")
db.execute("COMMIT")
print(mode, n, cache, round(time.time() - started, 2))
os.remove(path)
