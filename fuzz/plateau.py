#!/usr/bin/env python3
"""Long fuzz runs that tell where new coverage lands.

libFuzzer's `cov` counts edges in every crate linked into a target. The
`psl` crate compiles the Public Suffix List into one large `match` per
label, so each suffix a fuzzer happens to spell is new edges: `cov` keeps
growing while the code under test has long stopped giving anything new.
This script runs targets with `-print_pcs=1` (every newly covered PC) and
address-space randomisation off, names each new PC's function with
`addr2line`, and counts them per crate, in the first and the second half
of each run after the corpus is loaded.

    cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer none
    python3 plateau.py --seconds 600 --jobs 2 url email text

New inputs go to a scratch directory (`--scratch`, default a new temporary
one) and are not added to `corpus/`. Each run's output is kept in
`<scratch>/<target>.log`. Needs `setarch` (util-linux) and `addr2line`
(binutils).
"""

import argparse
import collections
import os
import re
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TRIPLE_RELEASE = os.path.join("x86_64-unknown-linux-gnu", "release")
# Where Linux maps a position-independent executable when randomisation is
# off (`setarch -R`) on x86_64.
PIE_BASE = 0x555555554000


def run(bindir, target, seconds, scratch, extra):
    """Runs one target; writes a timestamped log and returns its path."""
    new = os.path.join(scratch, target)
    os.makedirs(new, exist_ok=True)
    artifacts = os.path.join(scratch, "artifacts", target) + "/"
    os.makedirs(artifacts, exist_ok=True)
    dirs = [new, os.path.join(scratch, "corpus", target)]
    dirs += [os.path.join(d, target) for d in extra if os.path.isdir(os.path.join(d, target))]
    cmd = ["setarch", "-R", os.path.join(bindir, target), *dirs,
           f"-max_total_time={seconds}", "-print_pcs=1", "-timeout=10",
           "-rss_limit_mb=2048", "-print_final_stats=1", f"-artifact_prefix={artifacts}"]
    path = os.path.join(scratch, f"{target}.log")
    start = time.time()
    with open(path, "w") as log:
        log.write(f"# {' '.join(cmd)}\n")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace")
        for line in proc.stdout:
            log.write(f"{time.time() - start:9.1f} {line}")
        log.write(f"# exit {proc.wait()}\n")
    return path


def crate_of(function):
    """The crate a demangled function name belongs to (`<a::B as c::D>::f` is a's)."""
    m = re.match(r"[<&\s]*([A-Za-z_][A-Za-z0-9_]*)::", function)
    return m[1] if m else "(unnamed)"


def summarise(bindir, target, path):
    inited = end = execs = None
    covs, pcs, crashed = [], [], False
    for line in open(path, errors="replace"):
        m = re.match(r"\s*([\d.]+) (.*)", line)
        if not m:
            crashed |= line.startswith("# exit") and not line.startswith("# exit 0")
            continue
        ts, rest = float(m[1]), m[2]
        end = ts
        if "INITED" in rest:
            inited = ts
        if inited is None:
            continue
        if mm := re.match(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)", rest):
            covs.append((ts, int(mm[2])))
        elif mm := re.match(r"\s*NEW_PC: (0x[0-9a-f]+)", rest):
            pcs.append((ts, int(mm[1], 16) - PIE_BASE))
        elif mm := re.search(r"number_of_executed_units: (\d+)", rest):
            execs = int(mm[1])
    if inited is None or not covs:
        print(f"{target}: no run (see {path})")
        return
    names = subprocess.run(["addr2line", "-C", "-f", "-e", os.path.join(bindir, target)],
                           input="\n".join(hex(pc) for _, pc in pcs),
                           capture_output=True, text=True).stdout.splitlines()[0::2]
    half = inited + (end - inited) / 2
    per_crate = collections.defaultdict(lambda: [0, 0])
    last_own = None
    for (ts, _), name in zip(pcs, names):
        crate = crate_of(name)
        per_crate[crate][ts > half] += 1
        if crate.startswith("fraudlink"):
            last_own = ts - inited
    at_half = [c for t, c in covs if t <= half][-1]
    print(f"{target}: {execs or 0:,} execs in {end - inited:.0f} s after loading the corpus"
          f"{' (STOPPED: see ' + path + ')' if crashed else ''}")
    print(f"  cov {covs[0][1]} -> {at_half} (half) -> {covs[-1][1]}"
          f" (+{100 * (covs[-1][1] - at_half) / at_half:.1f} % in the second half)")
    own = per_crate.get("fraudlink", [0, 0])
    print(f"  new PCs in fraudlink: {own[0]} in the first half, {own[1]} in the second"
          f"; the last at {'-' if last_own is None else f'{last_own:.0f} s'}")
    ranked = sorted(per_crate.items(), key=lambda kv: -sum(kv[1]))
    print("  new PCs by crate (first half / second half): "
          + ", ".join(f"{k} {a}/{b}" for k, (a, b) in ranked[:8]))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("targets", nargs="+")
    p.add_argument("--seconds", type=int, default=600)
    p.add_argument("--jobs", type=int, default=1, help="targets run at the same time")
    p.add_argument("--scratch", help="directory for new inputs and logs")
    p.add_argument("--extra-corpus", action="append", default=[],
                   help="directory with <target>/ inputs from earlier runs to start from")
    p.add_argument("--target-dir", help="cargo's target directory of the build to run"
                   " (default fuzz/target), e.g. that of a build through uninstrumented-rustc")
    p.add_argument("--summarise-only", action="store_true",
                   help="only summarise the logs already in --scratch")
    args = p.parse_args()
    bindir = os.path.join(os.path.abspath(args.target_dir or os.path.join(HERE, "target")),
                          TRIPLE_RELEASE)
    scratch = args.scratch or tempfile.mkdtemp(prefix="fraudlink-fuzz-")
    if not args.summarise_only:
        # The committed corpora are packed (corpus/<target>.b64): unpack
        # them next to the new inputs, for libFuzzer.
        subprocess.run(["python3", os.path.join(HERE, "corpus.py"), "unpack",
                        os.path.join(scratch, "corpus"), *args.targets],
                       check=True, stdout=subprocess.DEVNULL)
        pending = list(args.targets)
        lock = threading.Lock()

        def worker():
            while True:
                with lock:
                    if not pending:
                        return
                    target = pending.pop(0)
                run(bindir, target, args.seconds, scratch, args.extra_corpus)

        threads = [threading.Thread(target=worker) for _ in range(args.jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for target in args.targets:
        summarise(bindir, target, os.path.join(scratch, f"{target}.log"))


if __name__ == "__main__":
    main()
