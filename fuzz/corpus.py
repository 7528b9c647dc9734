#!/usr/bin/env python3
"""Packs and unpacks the fuzz corpora.

Each target's corpus is kept in the repository as one text file,
`fuzz/corpus/<target>.b64`: one input per line, in standard base64 (an
input is any bytes, newlines included), sorted and without duplicates.
Thousands of tiny files, one per input, made up nearly all of the
repository's files; packed, a corpus is one file that diffs line by line.

libFuzzer reads and writes directories, so a run unpacks first and a
minimised result is packed back:

    python3 fuzz/corpus.py unpack /tmp/corpus            # every target
    python3 fuzz/corpus.py unpack /tmp/corpus url email  # some targets
    python3 fuzz/corpus.py pack /tmp/min url             # replaces corpus/url.b64

`unpack` writes `<dir>/<target>/<sha1 of the input>`, the names libFuzzer
gives its own inputs; `pack` reads every file in `<dir>/<target>/`.
`tests/it/fuzz_corpus.rs` reads the packed files directly.
"""

import argparse
import base64
import hashlib
import os
import pathlib
import sys

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"


def targets_in(names: list[str]) -> list[str]:
    packed = sorted(p.stem for p in CORPUS.glob("*.b64"))
    if not names:
        return packed
    unknown = [n for n in names if n not in packed]
    if unknown:
        sys.exit(f"no packed corpus for {', '.join(unknown)} in {CORPUS}")
    return names


def read_packed(target: str) -> list[bytes]:
    path = CORPUS / f"{target}.b64"
    inputs = []
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
        if not line:
            continue
        try:
            inputs.append(base64.b64decode(line, validate=True))
        except ValueError as e:
            sys.exit(f"{path}:{number}: not base64: {e}")
    return inputs


def write_packed(target: str, inputs: list[bytes]) -> None:
    lines = sorted({base64.b64encode(data).decode("ascii") for data in inputs})
    (CORPUS / f"{target}.b64").write_text("".join(line + "\n" for line in lines), encoding="ascii")


def unpack(directory: pathlib.Path, targets: list[str]) -> None:
    for target in targets:
        out = directory / target
        out.mkdir(parents=True, exist_ok=True)
        inputs = read_packed(target)
        for data in inputs:
            (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
        print(f"{target}: {len(inputs)} inputs -> {out}")


def pack(directory: pathlib.Path, targets: list[str]) -> None:
    for target in targets:
        source = directory / target
        if not source.is_dir():
            sys.exit(f"{source} is not a directory")
        inputs = [p.read_bytes() for p in sorted(source.iterdir()) if p.is_file()]
        if not inputs:
            sys.exit(f"{source} is empty: refusing to pack an empty corpus")
        write_packed(target, inputs)
        print(f"{target}: {len(inputs)} inputs from {source} -> {CORPUS / (target + '.b64')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["unpack", "pack"])
    parser.add_argument("directory", type=pathlib.Path)
    parser.add_argument("targets", nargs="*")
    args = parser.parse_args()
    if args.command == "unpack":
        unpack(args.directory, targets_in(args.targets))
    else:
        # A new target has no packed file yet: pack names it explicitly.
        targets = args.targets or sorted(
            p.name for p in args.directory.iterdir() if p.is_dir() and os.listdir(p)
        )
        pack(args.directory, targets)


if __name__ == "__main__":
    main()
