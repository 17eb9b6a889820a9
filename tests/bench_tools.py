#!/usr/bin/python3
"""scripts/bench.sh's two tools: figures.py turns Google Benchmark JSON into a figures file, compare.py
names what got slower beyond the noise (exit 1), passes equal runs (exit 0) and refuses a file that is not
a figures file (exit 2). Usage: bench_tools.py TOOLS_DIR WORK_DIR"""
import json
import os
import subprocess
import sys

tools, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAILED: ") + what)
    if not cond:
        failures.append(what)


def bench_json(path, times, rate):
    runs = []
    for i, t in enumerate(times):
        runs.append({"name": "train/x/1t/real_time", "run_name": "train/x/1t/real_time", "run_type": "iteration",
                     "repetitions": len(times), "repetition_index": i, "iterations": 1, "real_time": t,
                     "cpu_time": t, "time_unit": "ms", "GFLOP/s": rate[i], "s/epoch": t / 1000})
    runs.append({"name": "train/x/1t/real_time_median", "run_name": "train/x/1t/real_time", "run_type": "aggregate",
                 "aggregate_name": "median", "real_time": sorted(times)[len(times) // 2], "time_unit": "ms"})
    with open(path, "w") as f:
        json.dump({"context": {"blas": "test kernels"}, "benchmarks": runs}, f)


def figures(name, times, rate):
    j = os.path.join(work, name + ".json")
    out = os.path.join(work, name + ".tsv")
    bench_json(j, times, rate)
    r = subprocess.run([sys.executable, os.path.join(tools, "figures.py"), "--commit", name, "--out", out, j],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"figures.py wrote {name}.tsv ({r.stderr.strip()})")
    return out


def compare(a, b):
    r = subprocess.run([sys.executable, os.path.join(tools, "compare.py"), a, b], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


base = figures("base", [100, 102, 101], [50, 49, 49.5])
lines = open(base).read().splitlines()
check(lines[0] == "# nndl-figures 1", "the figures file starts with its format line")
row = [l.split("\t") for l in lines if l.startswith("train/x/1t\treal_time\t")]
check(len(row) == 1 and row[0][2:] == ["ms", "lower", "101", "100", "102", "3"],
      f"real_time's row holds unit, direction, median, min, max, n: {row}")
rate = [l.split("\t") for l in lines if l.startswith("train/x/1t\tGFLOP/s\t")]
check(len(rate) == 1 and rate[0][3] == "higher", "a rate is better when higher")
check(not any("median" in l.split("\t")[0] for l in lines[7:]), "aggregates are not read as repetitions")

same = figures("same", [101, 103, 100], [49.8, 49.1, 50.2])
rc, out = compare(base, same)
check(rc == 0 and "0 figure(s) slower" in out, f"overlapping runs are not slower (exit {rc})")

slow = figures("slow", [120, 121, 119], [41, 40, 41.5])
rc, out = compare(base, slow)
check(rc == 1 and "slower: train/x/1t real_time" in out and "slower: train/x/1t GFLOP/s" in out,
      f"a slower time and a lower rate are named (exit {rc})")

fast = figures("fast", [80, 81, 79], [60, 61, 62])
rc, out = compare(base, fast)
check(rc == 0 and "faster" in out, f"a faster run passes and says so (exit {rc})")

bad = os.path.join(work, "bad.tsv")
with open(bad, "w") as f:
    f.write("name\tmetric\n")
rc, out = compare(base, bad)
check(rc == 2 and "not an nndl figures file" in out, f"a file that is not a figures file is refused (exit {rc})")
rc, out = compare(base, os.path.join(work, "missing.tsv"))
check(rc == 2 and "cannot read" in out, f"a missing file is refused (exit {rc})")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
