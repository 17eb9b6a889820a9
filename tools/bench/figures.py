#!/usr/bin/python3
"""Turns Google Benchmark JSON output (one file per benchmark program, with repetitions) into nndl's
figures file: one line per benchmark and metric, with the median, the lowest and the highest value
over the repetitions and which way is better (lower, higher, or none: of_peak and peak_drift, to be
read, not compared; of_peak_now, over a peak of the workload's own moment, is compared). The format
(version 1), tab-separated:

  # nndl-figures 1
  # commit <c>   # date <UTC>   # machine <cpu, cores>   # blas <kernels>   # load <1-min average>
  name  metric  unit  better  median  min  max  n

Usage: figures.py --commit C --out FILE a.json [b.json ...]   (exit 2 when an input is unreadable)
"""
import argparse
import json
import os
import statistics
import sys
import time

STANDARD = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
            "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit",
            "aggregate_name", "aggregate_unit", "error_occurred", "error_message", "label"}
LOWER_IS_BETTER = {"real_time", "cpu_time", "ms/step", "s/epoch"}
NEITHER = {"of_peak", "peak_drift"}  # over a peak measured at the run's start, or of the machine: for reading
UNITS = {"ms/step": "ms", "s/epoch": "s", "of_peak": "fraction", "of_peak_now": "fraction", "peak_drift": "ratio"}


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown cpu"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--out", required=True)
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    values = {}  # (name, metric) -> (unit, [values])
    order = []
    blas = ""
    for path in a.inputs:
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"figures: cannot read {path}: {e}", file=sys.stderr)
            return 2
        blas = doc.get("context", {}).get("blas", blas)
        for b in doc.get("benchmarks", []):
            if b.get("run_type") != "iteration" or b.get("error_occurred"):
                continue
            name = b.get("run_name", b["name"]).removesuffix("/real_time")
            metrics = {"real_time": (b["real_time"], b.get("time_unit", "ns"))}
            for k, v in b.items():
                if k not in STANDARD and isinstance(v, (int, float)):
                    metrics[k] = (v, UNITS.get(k, k))
            for m, (v, unit) in metrics.items():
                key = (name, m)
                if key not in values:
                    values[key] = (unit, [])
                    order.append(key)
                values[key][1].append(float(v))
    if not values:
        print("figures: no benchmark results in " + " ".join(a.inputs), file=sys.stderr)
        return 2
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("# nndl-figures 1\n")
        f.write(f"# commit\t{a.commit}\n# date\t{time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}\n")
        f.write(f"# machine\t{cpu_name()}, {os.cpu_count()} cores\n# blas\t{blas}\n")
        f.write(f"# load\t{os.getloadavg()[0]:.2f}\n")
        f.write("name\tmetric\tunit\tbetter\tmedian\tmin\tmax\tn\n")
        for key in order:
            unit, vs = values[key]
            better = "lower" if key[1] in LOWER_IS_BETTER else "none" if key[1] in NEITHER else "higher"
            f.write(f"{key[0]}\t{key[1]}\t{unit}\t{better}\t{statistics.median(vs):.6g}\t{min(vs):.6g}\t"
                    f"{max(vs):.6g}\t{len(vs)}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
