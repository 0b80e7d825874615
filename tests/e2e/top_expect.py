#!/usr/bin/env python3
"""top_expect.py - what `hpcc top` must show, computed here from the JSON
reports themselves, independently of hpcc's C code: each function's calls,
avg and p95 over the interval between two reports (or since the start),
and the order of the rows for each sort key.

    top_expect.py check OUTPUT KEY CUR.json [PREV.json]

compares the rows of hpcc top's plain output (OUTPUT; with several frames,
the last showing an interval, or with no PREV the last since the start)
with the expected rows: names in order, Calls, Avg and P95
exactly as printed.  Exit 0 when they match, 1 (with both listings) when
not.  The pty test imports it for the same figures.

The p95 of an interval is the nearest rank over the bucket-wise
difference of the two histograms (each earlier bucket taken from the
later bucket whose value is nearest by ratio: the runtime's tick-to-ns
calibration moves a bucket's value by a fraction of a percent between
snapshots), clamped to the later report's [min_ns, max_ns] (hpcc
--merge's rule); durations read as the runtime's
formatter writes them: the largest of ns, us, ms, s that keeps the value
under 999.995, two decimals."""
import json
import sys

KEYS = ("self", "total", "calls", "avg", "p95", "name")


def load(path):
    with open(path) as f:
        return json.load(f)


def fmt_duration(ns):
    for scale, unit in ((1, "ns"), (1e3, "\u00b5s"), (1e6, "ms"), (1e9, "s")):
        text = "%.2f%s" % (ns / scale, unit)
        if ns / scale < 999.995 or unit == "s":
            return text


def percentile(pairs, lo, hi, milli=95000):
    bucketed = sum(c for _, c in pairs)
    if not bucketed:
        return hi
    rank = max(1, (bucketed * milli + 99999) // 100000)
    seen = 0
    for value, count in pairs:
        seen += count
        if seen >= rank:
            return min(max(value, lo), hi)
    return hi


def nearest(values, u):
    """The index of the value nearest to u by ratio (u*u against the
    product of its neighbours; the lower one on a tie)."""
    j = 0
    while j + 1 < len(values) and values[j + 1] <= u:
        j += 1
    if j + 1 < len(values) and values[j] < u and u * u > values[j] * values[j + 1]:
        j += 1
    return j


def ident(f):
    return (f["name"], f["file"], f["kind"])


def rows(cur, prev=None):
    if prev is not None and cur["total_ns"] < prev["total_ns"]:
        prev = None
    before = {ident(f): f for f in (prev or {"functions": []})["functions"]}
    out = []
    for f in cur["functions"]:
        p = before.get(ident(f))
        if p is not None and p["calls"] > f["calls"]:
            p = None
        d = lambda k: max(f.get(k, 0) - (p.get(k, 0) if p else 0), 0)
        r = {"name": f["name"], "file": f["file"], "kind": f["kind"],
             "calls": d("calls"), "self": d("self_ns"), "total": d("total_ns")}
        r["avg"] = (r["total"] + d("recursive_ns")) // r["calls"] if r["calls"] else 0
        r["p95"] = None
        if "histogram" in f and (p is None or "histogram" in p):
            if r["calls"] and f["histogram"]:
                diff = [list(b) for b in sorted(f["histogram"])]
                for u, c in (p["histogram"] if p else []):
                    j = nearest([v for v, _ in diff], u)
                    diff[j][1] = max(diff[j][1] - c, 0)
                r["p95"] = percentile(diff, f["min_ns"], f["max_ns"])
        elif "p95" in f.get("percentiles", {}):
            r["p95"] = f["percentiles"]["p95"]
        out.append(r)
    return out


def order(rs, key):
    tie = lambda r: (r["name"].encode(), r["file"].encode(), r["kind"].encode())
    if key == "name":
        return sorted(rs, key=tie)
    val = (lambda r: r["p95"] or 0) if key == "p95" else (lambda r: r[key])
    return sorted(rs, key=lambda r: (-val(r),) + tie(r))


def expected(cur, prev, key):
    """[(name, calls, avg, p95)] as hpcc top prints them, in order."""
    return [(r["name"], str(r["calls"]),
             fmt_duration(r["avg"]) if r["calls"] else "-",
             fmt_duration(r["p95"]) if r["p95"] is not None else "-")
            for r in order(rows(cur, prev), key)]


def shown(text, interval):
    """The rows of the last frame in hpcc top's plain output that shows an
    interval ("last ...") or, without, the figures since the start."""
    lines = text.splitlines()
    want = "last " if interval else "since start,"
    starts = [i + 2 for i, l in enumerate(lines)
              if l.startswith(want) and i + 2 < len(lines) and
              lines[i + 2].startswith("Function ")]
    if not starts:
        return []
    got = []
    for line in lines[starts[-1] + 1:]:
        if not line.strip():
            break
        w = line.split()
        got.append((w[0], w[2], w[5], w[6]))
    return got


def main(argv):
    if len(argv) < 5 or argv[1] != "check" or argv[3] not in KEYS:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[2], encoding="utf-8") as f:
        got = shown(f.read(), len(argv) > 5)
    want = expected(load(argv[4]), load(argv[5]) if len(argv) > 5 else None, argv[3])
    if got == want and got:
        return 0
    sys.stdout.write("expected:\n%s\ngot:\n%s\n" % (
        "\n".join(" ".join(r) for r in want), "\n".join(" ".join(r) for r in got)))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
