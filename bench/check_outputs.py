#!/usr/bin/env python3
"""Compares a Tremplin and a Hugo build of the same synthetic site.

usage: check_outputs.py TREMPLIN_OUT HUGO_OUT [BASE_URL]

For each output: number of HTML files, total and median size of the pages' HTML
(`section-*/page-*/index.html`), and whether every internal link with an anchor points to an
id that exists in the target page (Hugo's `ref` only checks that the page exists). Exits 1 if
an anchor is broken in either output.
"""
import os
import re
import statistics
import sys

HREF = re.compile(r'href="([^"#]*)#([^"]+)"')


def scan(out, base):
    html, pages, broken, checked = 0, [], [], 0
    ids_cache = {}

    def ids_of(path):
        if path not in ids_cache:
            try:
                with open(path, encoding="utf-8") as f:
                    ids_cache[path] = set(re.findall(r'id="([^"]+)"', f.read()))
            except OSError:
                ids_cache[path] = None
        return ids_cache[path]

    for root, _dirs, files in os.walk(out):
        for name in files:
            if not name.endswith(".html"):
                continue
            html += 1
            path = os.path.join(root, name)
            rel = os.path.relpath(path, out)
            if not re.fullmatch(r"section-\d+/page-\d+/index\.html", rel):
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            pages.append(len(text.encode("utf-8")))
            for url, frag in HREF.findall(text):
                if not url.startswith(base) or "/page-" not in url:
                    continue  # table of contents (#id on the same page), other sites
                target = os.path.join(out, url[len(base):].strip("/"), "index.html")
                ids = ids_of(target)
                checked += 1
                if ids is None or frag not in ids:
                    broken.append(f"{rel} -> {url}#{frag}")
    return html, pages, checked, broken


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    base = sys.argv[3] if len(sys.argv) > 3 else "https://exemple.org/"
    failed = False
    for label, out in (("tremplin", sys.argv[1]), ("hugo", sys.argv[2])):
        html, pages, checked, broken = scan(out, base)
        print(
            f"{label:9} {html:6d} fichiers HTML ; {len(pages)} pages d'article, "
            f"{sum(pages) / 1e6:.1f} Mo, médiane {statistics.median(pages) / 1024:.1f} Kio ; "
            f"{checked} liens avec ancre vérifiés, {len(broken)} cassés"
        )
        for b in broken[:10]:
            print("   ancre cassée :", b)
        failed |= bool(broken)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
