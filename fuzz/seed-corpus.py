#!/usr/bin/env python3
"""Seeds fuzz/seeds/<target>/ from the repository's own test data.

Sources: the fixtures (fixtures/**/*.ndjson), the conformance vectors in
tests/conformance/, and the string literals of the unit tests of each
normaliser (src/ident/*.rs, src/extract.rs). The seeds are only a start:
libFuzzer's merge joins them into fuzz/corpus/<target>.b64 (see README.md),
and the seeds directory itself is not kept.

Usage: python3 fuzz/seed-corpus.py   (from anywhere; writes fuzz/seeds/)
"""

import hashlib
import json
import pathlib
import re
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "seeds"
CONF = ROOT / "tests" / "conformance"

# The separators of an `extract` input (fuzz/src/lib.rs: RECORD, FIELD).
RECORD = "\x1e"
FIELD = "\x1f"

seeds: dict[str, set[str]] = {}


def add(target: str, value) -> None:
    if isinstance(value, str) and value:
        seeds.setdefault(target, set()).add(value)


def rust_string_literals(path: pathlib.Path) -> list[str]:
    """The plain string literals in the test module of a Rust file."""
    text = path.read_text(encoding="utf-8")
    tests = text[text.find("#[cfg(test)]"):] if "#[cfg(test)]" in text else ""
    out = []
    for m in re.finditer(r'(?<![A-Za-z0-9_#])"((?:[^"\\]|\\.)*)"', tests, re.S):
        raw = m.group(1)
        if "\\\n" in raw:
            continue
        def unescape(e: re.Match) -> str:
            s = e.group(0)
            if s.startswith("\\u{"):
                return chr(int(s[3:-1], 16))
            return {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\0": "\0",
                    '\\"': '"', "\\'": "'", "\\\\": "\\"}.get(s, s)
        out.append(re.sub(r"\\u\{[0-9a-fA-F]+\}|\\.", unescape, raw))
    return out


# Fixtures: whole lines for `report`, statements for `text`, the statement
# with its structured identifiers for `extract`, identifiers by kind.
KIND_TARGET = {"iban": "iban", "phone": "phone", "url": "url", "domain": "url",
               "email": "email", "crypto": "crypto", "name": "name"}
for f in sorted(ROOT.glob("fixtures/**/*.ndjson")):
    for line in f.read_text(encoding="utf-8").splitlines():
        add("report", line)
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if not isinstance(r, dict):
            continue
        narrative = r.get("narrative") if isinstance(r.get("narrative"), str) else ""
        add("text", narrative)
        add("refang", narrative)
        parts = [narrative]
        for i in r.get("identifiers") or []:
            fields = [i.get("type", ""), i.get("value", ""), i.get("role") or ""]
            if i.get("platform"):
                fields.append(i["platform"])
            parts.append(FIELD.join(fields))
            target = KIND_TARGET.get(i.get("type"))
            if target:
                add(target, i.get("value"))
            if i.get("type") == "handle" and i.get("platform"):
                add("handle", f"{i['platform']}:{i['value']}")
        add("extract", RECORD.join(parts))

# Conformance vectors.
reg = json.loads((CONF / "iban_registry_examples.json").read_text())
for e in reg["examples"]:
    add("iban", e["iban_electronic"])
    add("iban", e["iban_print"])
cases = json.loads((CONF / "iban_valid_invalid_cases.json").read_text())
for c in cases["valid"] + cases["invalid"]:
    add("iban", c["iban"])
b32 = json.loads((CONF / "bech32_bip173_bip350_vectors.json").read_text())
for key in ("VALID_BECH32", "VALID_BECH32M", "VALID_ADDRESS", "INVALID_ADDRESS",
            "INVALID_ADDRESS_ENC"):
    for v in b32[key]:
        add("crypto", v[0] if isinstance(v, list) else v)
btc = json.loads((CONF / "bitcoin_eth_address_vectors.json").read_text())
for key, vs in btc["bitcoin_core_key_io"].items():
    if isinstance(vs, list):
        for v in vs:
            add("crypto", v.get("address") if isinstance(v, dict) else v)
for key, vs in btc["eip55"].items():
    if isinstance(vs, list):
        for v in vs:
            add("crypto", v)
defang = json.loads((CONF / "defang_cases.json").read_text())
for c in defang["cases"]:
    add("refang", c["input"])
    add("url", c["input"])
psl = json.loads((CONF / "psl_test_cases.json").read_text())
for c in psl["cases"]:
    add("url", c["input"])

# Identifier forms from the unit tests.
for name, targets in {
    "iban": ["iban"], "phone": ["phone"], "url": ["url"], "email": ["email"],
    "handle": ["handle"], "crypto": ["crypto"], "name": ["name"],
    "refang": ["refang"],
}.items():
    for s in rust_string_literals(ROOT / "src" / "ident" / f"{name}.rs"):
        for t in targets:
            add(t, s)
for s in rust_string_literals(ROOT / "src" / "extract.rs"):
    add("text", s)

shutil.rmtree(OUT, ignore_errors=True)
for target, values in sorted(seeds.items()):
    d = OUT / target
    d.mkdir(parents=True)
    for v in values:
        b = v.encode("utf-8")
        (d / hashlib.sha1(b).hexdigest()).write_bytes(b)
    print(f"{target}: {len(values)} seeds")
