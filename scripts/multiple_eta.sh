#!/usr/bin/env bash
# Chapter 3's several learning rates (the book's multiple_eta.py): the [784, 30, 10] cross-entropy
# network, default initialisation, lambda 5, mini-batch 10, 30 epochs, trained with eta = 0.025, 0.25
# and 2.5; the training cost after every epoch, on one plot, beside the book's figures.
#
#   scripts/multiple_eta.sh [-o DIR]      # default DIR: build/release/multiple_eta
#
# Writes DIR/eta-<eta>.csv (ch3_network2's per-epoch figures), DIR/multiple_eta.png (gnuplot) and
# prints the table of training costs after epochs 1, 5, 10, 20 and 30.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/release/multiple_eta
while getopts "o:h" opt; do
  case $opt in
    o) out=$OPTARG ;;
    *) sed -n '2,9p' "$0"; exit 0 ;;
  esac
done
scripts/build.sh ch3_network2 > /dev/null
mkdir -p "$out"
etas=(0.025 0.25 2.5)
for eta in "${etas[@]}"; do
  echo "multiple_eta: eta = $eta"
  build/release/examples/ch3_network2 --hidden 30 --cost cross-entropy --init default --lambda 5 --epochs 30 \
    --mini-batch 10 --eta "$eta" --evaluate validation --monitor train-cost --metrics "$out/eta-$eta.csv" --quiet \
    > "$out/eta-$eta.log"
  tail -n 1 "$out/eta-$eta.log"
done
# The book's training costs after epochs 1, 5, 10, 20, 30 (its fig/multiple_eta.json).
declare -A book=([0.025]="0.878 0.518 0.431 0.371 0.339" [0.25]="0.495 0.374 0.343 0.330 0.339"
                 [2.5]="0.925 0.781 0.801 0.750 0.861")
{
printf '\n%-7s %-8s %8s %8s %8s %8s %8s\n' eta "" "epoch 1" 5 10 20 30
for eta in "${etas[@]}"; do
  # training_cost is the 12th column of ch3_network2's CSV; its epochs count from 0
  ours=$(awk -F, 'NR > 1 && ($1 == 0 || $1 == 4 || $1 == 9 || $1 == 19 || $1 == 29) { printf "%.3f ", $12 }' \
    "$out/eta-$eta.csv")
  # shellcheck disable=SC2086
  printf '%-7s %-8s %8s %8s %8s %8s %8s\n' "$eta" nndl $ours
  # shellcheck disable=SC2086
  printf '%-7s %-8s %8s %8s %8s %8s %8s\n' "" book ${book[$eta]}
done
} | tee "$out/table.txt"
gnuplot <<GP
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) { set terminal pngcairo size 800,500 noenhanced font 'sans,11' } else { set terminal png size 800,500 noenhanced }
set output '$out/multiple_eta.png'
set datafile separator comma
set grid
set title 'Training cost for several learning rates (multiple_eta.py)'
set xlabel 'epoch'
set ylabel 'training cost'
set key top right
plot '$out/eta-0.025.csv' skip 1 using (\$1+1):12 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#1f77b4' title 'eta = 0.025', \
     '$out/eta-0.25.csv' skip 1 using (\$1+1):12 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#ff7f0e' title 'eta = 0.25', \
     '$out/eta-2.5.csv' skip 1 using (\$1+1):12 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#2ca02c' title 'eta = 2.5'
GP
echo "multiple_eta: plot $out/multiple_eta.png"
