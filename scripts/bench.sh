#!/usr/bin/env bash
# Runs nndl's benchmarks and writes their figures to one file in a stable format (tools/bench/figures.py),
# optionally comparing it with an earlier one (a stored baseline) and naming every figure that got slower
# by more than the noise. A tool to run before committing a change to a kernel, not a CI test.
#   scripts/bench.sh                                  # all benchmarks -> bench-results/<date>-<commit>.tsv
#   scripts/bench.sh --compare benchmarks/baselines/epyc-zen5.tsv
#   scripts/bench.sh --filter 'train/ch6-relu|shape/conv' --repetitions 5 --out /tmp/new.tsv
#   scripts/bench.sh --only bench_roofline            # one benchmark program
# Options: --out FILE, --compare BASE, --filter REGEX (Google Benchmark's --benchmark_filter),
# --repetitions N (default 3), --only PROGRAM (repeatable), --noise PCT (default 3, for --compare).
# Exit status: 0 done (and nothing slower), 1 a figure is slower than BASE beyond the noise, 2 bad use.
# Run it on a quiet machine: other work on the cores makes every figure slower.
set -euo pipefail
cd "$(dirname "$0")/.."
out="" base="" filter="" reps=3 noise=3
programs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --compare) base="$2"; shift 2 ;;
    --filter) filter="$2"; shift 2 ;;
    --repetitions) reps="$2"; shift 2 ;;
    --only) programs+=("$2"); shift 2 ;;
    --noise) noise="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#programs[@]} -gt 0 ] || programs=(bench_roofline bench_train_step bench_conv bench_model)
if [ -n "$base" ] && [ ! -r "$base" ]; then echo "bench: cannot read the baseline '$base'" >&2; exit 2; fi
py=/usr/bin/python3
scripts/build.sh "${programs[@]}" > /dev/null
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit+changes"
[ -n "$out" ] || { mkdir -p bench-results; out="bench-results/$(date -u +%Y-%m-%d-%H%M)-$commit.tsv"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load=$(cut -d' ' -f1 /proc/loadavg)
echo "bench: load average $load before the run (a figure is only as good as the machine is quiet)"
for p in "${programs[@]}"; do
  echo "bench: $p"
  args=(--benchmark_repetitions="$reps" --benchmark_out="$tmp/$p.json" --benchmark_out_format=json)
  [ -z "$filter" ] || args+=(--benchmark_filter="$filter")
  "build/release/benchmarks/$p" "${args[@]}"
done
$py tools/bench/figures.py --commit "$commit" --out "$out" "$tmp"/*.json
echo "bench: figures in $out"
[ -z "$base" ] || exec $py tools/bench/compare.py --noise "$noise" "$base" "$out"
