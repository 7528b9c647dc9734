#!/usr/bin/env python3
"""Phone-number agreement between fraudlink and phonenumbers (Google's
libphonenumber for Python) on the statements of a report file.

    fraudlink extract --region NL statements.ndjson > found.ndjson
    python3 benches/phone_agreement.py NL reports.ndjson found.ndjson

`statements.ndjson` is the report file without its structured
`identifiers` (so that every number fraudlink reports was read from the
statement; see docs/performance.md, "Phone agreement"). Needs
`pip install phonenumbers`. Prints both / only fraudlink / only
phonenumbers, with phonenumbers' finds that lie inside an IBAN counted
apart (its matcher reads the digits of `NL18 RABO 0497 2751 78` as the
number 0497 275178), the agreement (F1, phonenumbers as truth) with and
without them, and a sample of each remaining difference.
"""
import json
import random
import re
import sys
from collections import Counter, defaultdict

import phonenumbers

IBAN = re.compile(r"\b[A-Z]{2}\s?\d{2}(?:\s?[A-Z0-9]){10,30}\b", re.I)


def f1(both, only_a, only_b):
    p = both / (both + only_a) if both + only_a else 1.0
    r = both / (both + only_b) if both + only_b else 1.0
    return 2 * p * r / (p + r) if p + r else 0.0


def main(region, reports, found):
    ours = {}
    for line in open(found, encoding="utf-8"):
        o = json.loads(line)
        ours[o["id"]] = {i["value"] for i in o.get("identifiers", [])
                         if i["type"] == "phone" and i["valid"]}
    both = only_ours = 0
    theirs_only = Counter()
    samples = defaultdict(list)
    for line in open(reports, encoding="utf-8"):
        o = json.loads(line)
        text = o.get("narrative") or o.get("text") or ""
        mine = ours.get(o["id"], set())
        ibans = [m.span() for m in IBAN.finditer(text)]
        theirs = {}
        for m in phonenumbers.PhoneNumberMatcher(text, region):
            e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
            theirs[e164] = (m.start, m.end)
        both += len(mine & set(theirs))
        only_ours += len(mine - set(theirs))
        for value in mine - set(theirs):
            samples["only fraudlink"].append((o["id"], value, text))
        for value, (start, end) in theirs.items():
            if value in mine:
                continue
            kind = "inside an IBAN" if any(a <= start and end <= b for a, b in ibans) else "other"
            theirs_only[kind] += 1
            samples["only phonenumbers, " + kind].append((o["id"], value, text[max(0, start - 50):end + 30]))
    all_theirs = sum(theirs_only.values())
    print(f"both {both}, only fraudlink {only_ours}, only phonenumbers {all_theirs} "
          f"({theirs_only['inside an IBAN']} inside an IBAN, {theirs_only['other']} other)")
    print(f"agreement (F1) {f1(both, only_ours, all_theirs):.4f}; "
          f"without phonenumbers' IBAN digits {f1(both, only_ours, theirs_only['other']):.4f}")
    random.seed(1)
    for kind, rows in sorted(samples.items()):
        if "IBAN" in kind:
            continue
        print(f"== {kind}: {len(rows)}")
        for rid, value, text in random.sample(rows, min(8, len(rows))):
            print(f"  {rid} {value} | {text[:160]!r}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
