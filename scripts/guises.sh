#!/usr/bin/env bash
# How saved models cope with digits as users' pictures come: the first N test images (default 1,000)
# written as files in six guises by nndl-export-images (PNG, JPEG, dark ink on white, off-centre on a
# larger canvas, 3x larger, 4x larger dark-on-light JPEG), classified by nndl-predict with each model;
# the accuracy per guise and model, then nndl-predict's speed on 10,000 PNGs (images per second,
# decoding on all cores, batches of 256).
#
#   scripts/guises.sh [-n N] MODEL.npz...
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000
while getopts "n:h" opt; do
  case $opt in
    n) n=$OPTARG ;;
    *) sed -n '2,8p' "$0"; exit 0 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { sed -n '2,8p' "$0"; exit 2; }
scripts/build.sh nndl_export_images nndl_predict > /dev/null
tools=build/release/tools
work=build/release/guises
guises=("plain png" "plain jpg" "dark-on-light png" "off-centre png" "larger png" "larger-dark jpg")
for g in "${guises[@]}"; do
  read -r how format <<< "$g"
  dir=$work/$how-$format
  [ -d "$dir" ] && [ "$(ls "$dir" | wc -l)" -eq "$n" ] || { rm -rf "$dir"; "$tools/nndl-export-images" --out "$dir" --count "$n" --guise "$how" --format "$format" > /dev/null; }
done
score() {  # score MODEL DIR: the share of files whose predicted digit is the label in their name
  "$tools/nndl-predict" --model "$1" --json --quiet "$2" | python3 -c '
import json, os, sys
r = json.load(sys.stdin)
ok = sum(1 for x in r["results"] if int(os.path.basename(x["file"]).split("-")[1].split(".")[0]) == x["digit"])
print("%.1f%%" % (100.0 * ok / max(1, len(r["results"]) + len(r["errors"]))))'
}
printf '%-22s' "guise ($n test digits)"
for m in "$@"; do printf ' %16s' "$(basename "$m")"; done
echo
for g in "${guises[@]}"; do
  read -r how format <<< "$g"
  printf '%-22s' "$how $format"
  for m in "$@"; do printf ' %16s' "$(score "$m" "$work/$how-$format")"; done
  echo
done
all=$work/all-png
[ -d "$all" ] && [ "$(ls "$all" | wc -l)" -eq 10000 ] || { rm -rf "$all"; "$tools/nndl-export-images" --out "$all" --count 10000 > /dev/null; }
for m in "$@"; do
  t0=$(date +%s.%N)
  "$tools/nndl-predict" --model "$m" --quiet "$all" > /dev/null
  t1=$(date +%s.%N)
  python3 -c "print('nndl-predict %s: 10,000 PNGs in %.2f s, %.0f images/s' % ('$(basename "$m")', $t1 - $t0, 10000 / ($t1 - $t0)))"
done
