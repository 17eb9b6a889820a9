#!/usr/bin/python3
"""Compares two nndl figures files (scripts/bench.sh): BASE, a stored baseline, and NEW, this commit's.
A figure is named slower when even NEW's best repetition is worse than BASE's worst by more than the
noise margin (--noise, percent, default 3): the ranges do not overlap, so the drift of one spell does not
count. Figures in only one file are listed. Prints every common figure's median ratio (new / base).

Usage: compare.py [--noise PCT] [--all] BASE NEW
Exit status: 0 nothing slower, 1 something slower, 2 a file is missing or not a figures file.
"""
import argparse
import sys


def read(path):
    rows, header = {}, {}
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        print(f"compare: cannot read {path}: {e.strerror}", file=sys.stderr)
        sys.exit(2)
    if not lines or lines[0] != "# nndl-figures 1":
        print(f"compare: {path} is not an nndl figures file (no '# nndl-figures 1' line)", file=sys.stderr)
        sys.exit(2)
    for n, line in enumerate(lines[1:], 2):
        if line.startswith("# "):
            k, _, v = line[2:].partition("\t")
            header[k] = v
            continue
        f = line.split("\t")
        if f[0] == "name":
            continue
        if len(f) != 8:
            print(f"compare: {path}:{n}: expected 8 tab-separated fields, found {len(f)}", file=sys.stderr)
            sys.exit(2)
        try:
            rows[(f[0], f[1])] = {"unit": f[2], "better": f[3], "median": float(f[4]), "min": float(f[5]),
                                  "max": float(f[6]), "n": int(f[7])}
        except ValueError:
            print(f"compare: {path}:{n}: a value is not a number", file=sys.stderr)
            sys.exit(2)
    return header, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--noise", type=float, default=3.0, help="margin in percent (default 3)")
    ap.add_argument("--all", action="store_true", help="print every metric, not only times and rates")
    ap.add_argument("base")
    ap.add_argument("new")
    a = ap.parse_args()
    hb, base = read(a.base)
    hn, new = read(a.new)
    print(f"base: {a.base} (commit {hb.get('commit', '?')}, {hb.get('date', '?')}, load {hb.get('load', '?')})")
    print(f"new:  {a.new} (commit {hn.get('commit', '?')}, {hn.get('date', '?')}, load {hn.get('load', '?')})")
    if hb.get("machine") != hn.get("machine"):
        print(f"compare: different machines: '{hb.get('machine')}' and '{hn.get('machine')}'")
    margin = a.noise / 100.0
    slower, faster = [], []
    for key in base:
        if key not in new:
            continue
        b, n = base[key], new[key]
        if b["median"] == 0 or b["better"] == "none":
            continue
        ratio = n["median"] / b["median"]
        if b["better"] == "lower":
            worse = n["min"] > b["max"] * (1 + margin)
            better = n["max"] < b["min"] * (1 - margin)
        else:
            worse = n["max"] < b["min"] * (1 - margin)
            better = n["min"] > b["max"] * (1 + margin)
        mark = "SLOWER" if worse else ("faster" if better else "")
        if worse:
            slower.append(key)
        if better:
            faster.append(key)
        if a.all or key[1] == "real_time" or mark:
            print(f"{key[0]:<48} {key[1]:<10} {b['median']:>12.4g} -> {n['median']:>12.4g} {b['unit']:<8} "
                  f"x{ratio:.3f} {mark}")
    only_base = sorted(k for k in base if k not in new and k[1] == "real_time")
    only_new = sorted(k for k in new if k not in base and k[1] == "real_time")
    for k in only_base:
        print(f"only in base: {k[0]}")
    for k in only_new:
        print(f"only in new:  {k[0]}")
    print(f"compare: {len(slower)} figure(s) slower beyond the noise ({a.noise:g}%), {len(faster)} faster")
    for k in slower:
        print(f"  slower: {k[0]} {k[1]}")
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
