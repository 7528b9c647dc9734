#!/usr/bin/env python3
"""The script an analyst would write instead of fraudlink: the baseline of
the README's "versus a script" figure (issue 7).

It reads the same NDJSON reports, takes the structured identifiers and finds
IBANs (a regular expression, spaces removed, upper case) and phone numbers
(`phonenumbers.PhoneNumberMatcher` with region NL, formatted as E.164) in
the statement, links reports that share one with a union-find, and writes
one line per cluster of two or more reports. It stores nothing, indexes
nothing and knows no benign numbers, so it does less than fraudlink.

    pip install phonenumbers
    python3 benches/analyst_baseline.py reports.ndjson > clusters.txt
"""

import json
import re
import sys

import phonenumbers

IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")


def find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def union(parent, a, b):
    ra, rb = find(parent, a), find(parent, b)
    if ra != rb:
        parent[rb] = ra


def phone(value):
    try:
        n = phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(n):
        return None
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)


def identifiers(report):
    found = set()
    for i in report.get("identifiers") or []:
        if i.get("role") == "victim":
            continue
        kind, value = i.get("type"), str(i.get("value", ""))
        if kind == "iban":
            found.add("iban:" + value.replace(" ", "").upper())
        elif kind == "phone":
            p = phone(value)
            if p:
                found.add("phone:" + p)
        else:
            found.add(f"{kind}:{value.strip().lower()}")
    text = report.get("narrative") or ""
    for m in IBAN.finditer(text.upper()):
        found.add("iban:" + m.group(0).replace(" ", ""))
    for m in phonenumbers.PhoneNumberMatcher(text, "NL"):
        found.add(
            "phone:"
            + phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
        )
    return found


def main(path):
    ids = []
    parent = []
    first_with = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                report = json.loads(line)
            except json.JSONDecodeError:
                continue
            n = len(ids)
            ids.append(report.get("id"))
            parent.append(n)
            for key in identifiers(report):
                other = first_with.setdefault(key, n)
                if other != n:
                    union(parent, other, n)
    clusters = {}
    for n in range(len(ids)):
        clusters.setdefault(find(parent, n), []).append(ids[n])
    out = sys.stdout
    for members in clusters.values():
        if len(members) > 1:
            out.write(" ".join(members) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
