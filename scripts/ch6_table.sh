#!/usr/bin/env bash
# Runs the book's chapter-6 table (network3.py) with ch6_convnet, resumably: every run keeps a
# checkpoint after each epoch, so the script can be stopped at any time and started again later
# (finished runs are only read back). The ensemble of five comes last and reuses the dropout run.
#
#   scripts/ch6_table.sh [-j LANES] [-o DIR] [PRESET...]
#
# -j 2 (default) trains two networks at a time, one thread each (the most work per hour on a
# 2-core machine; the ensemble's networks too); -j 1 trains one at a time on all cores. Results: DIR/PRESET.log and .csv, and a
# summary at the end. Default DIR: build/release/ch6. The README gives the time of each run here.
#
# Under mpirun (mpirun -np K scripts/ch6_table.sh ...), process r of K runs the rows r, r + K, ...
# (each with its own -j lanes; build ch6_convnet first: the processes do not build it), and the
# process that runs the dropout row also runs the ensemble, which reuses that row's checkpoint.
# DIR must be one folder for all of them (on several hosts: a shared one). CH6_TABLE_BIN names
# another program to run in ch6_convnet's place (to check the split of the rows).
set -euo pipefail
cd "$(dirname "$0")/.."
lanes=2
out=build/release/ch6
while getopts "j:o:h" opt; do
  case $opt in
    j) lanes=$OPTARG ;;
    o) out=$OPTARG ;;
    *) sed -n '2,10p' "$0"; exit 0 ;;
  esac
done
shift $((OPTIND - 1))
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(fc100 conv20 conv20-40 relu expanded fc300 fc1000 fc100-100 fc100-300 fc100-1000 dropout)
rank=${OMPI_COMM_WORLD_RANK:-0} size=${OMPI_COMM_WORLD_SIZE:-1}
if [ "$size" -gt 1 ]; then
  mine=()
  for i in "${!presets[@]}"; do [ $((i % size)) -eq "$rank" ] && mine+=("${presets[$i]}"); done
  presets=("${mine[@]+"${mine[@]}"}")
  [ -x build/release/examples/ch6_convnet ] ||
    { echo "ch6_table: under mpirun, build ch6_convnet first (scripts/build.sh ch6_convnet)" >&2; exit 2; }
  echo "ch6_table: process $rank of $size runs: ${presets[*]-nothing}"
  [ ${#presets[@]} -gt 0 ] || exit 0
else
  scripts/build.sh ch6_convnet > /dev/null
fi
export BIN=${CH6_TABLE_BIN:-build/release/examples/ch6_convnet} OUT=$out WFLAG="--workers $(nproc)"
[ "$lanes" -gt 1 ] && WFLAG="--workers 1"
mkdir -p "$out"
run() {  # run PRESET [more flags]: one network, logged and checkpointed
  local name=$1
  [ $# -gt 1 ] && name="$1$(echo "${@:2}" | tr -d ' -')"
  # shellcheck disable=SC2086
  "$BIN" --preset "$1" "${@:2}" --quiet $WFLAG --checkpoint "$OUT/checkpoints" --metrics "$OUT/$name.csv" \
    >> "$OUT/$name.log" 2>&1 || echo "ch6_table: $name failed; see $OUT/$name.log" >&2
}
export -f run
printf '%s\n' "${presets[@]}" | xargs -P "$lanes" -I{} bash -c 'run {}'
if [[ " ${presets[*]} " == *" dropout "* ]]; then  # seed 1 ran above; the ensemble trains seeds 2-5 and votes
  # shellcheck disable=SC2086
  "$BIN" --preset dropout --ensemble 5 $WFLAG --checkpoint "$out/checkpoints" --quiet >> "$out/ensemble.log" 2>&1 \
    || echo "ch6_table: the ensemble failed; see $out/ensemble.log" >&2
fi
echo "ch6_table: results in $out"
for p in "${presets[@]}"; do
  printf '%-12s %s\n' "$p" "$(grep -h "^Network 1" "$out/$p.log" 2>/dev/null | tail -n 1)"
done
grep -h "^Ensemble" "$out/ensemble.log" 2>/dev/null || true
