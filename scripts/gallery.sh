#!/usr/bin/env bash
# Regenerates every MNIST figure nndl reproduces into docs/figures/ (docs/figures.md shows them
# beside the book's numbers). The figures are nndl's own runs; nothing is copied from the book.
#
#   scripts/gallery.sh [-k] [-m CH6_MODEL] [-o DIR]
#
# -k keeps a figure that already exists (only the missing ones are made); -m takes chapter 6's
# misclassified digits from a saved ch6_convnet model (default: train the ReLU network for 5 epochs);
# -o writes elsewhere (default docs/figures). The programs' logs go to build/release/gallery/; the
# figures' CSVs stay beside them.
# Time on the 2-core machine of the README: about 40 minutes, most of it the SVM of more_data on
# 50,000 images.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
model=
out=docs/figures
while getopts "km:o:h" opt; do
  case $opt in
    k) keep=1 ;;
    m) model=$OPTARG ;;
    o) out=$OPTARG ;;
    *) sed -n '2,12p' "$0"; exit 0 ;;
  esac
done
scripts/build.sh ch1_network ch3_network2 ch3_more_data ch5_vanishing_gradient ch6_convnet nndl_evaluate > /dev/null
logs=build/release/gallery
mkdir -p "$out" "$logs"
bin=build/release/examples
# figure NAME COMMAND...: runs the command (which writes $out/NAME.png) unless -k and it exists
figure() {
  local name=$1
  shift
  if [ "$keep" = 1 ] && [ -f "$out/$name.png" ]; then
    echo "gallery: $name.png kept"
    return
  fi
  echo "gallery: $name.png ($*)"
  local t0=$SECONDS
  "$@" > "$logs/$name.log" 2>&1 || { echo "gallery: $name failed; see $logs/$name.log" >&2; exit 1; }
  echo "gallery: $name.png made in $((SECONDS - t0)) s"
}
figure ch1_learning "$bin/ch1_network" --quiet --plot "$out/ch1_learning.png"
figure ch3_overfit "$bin/ch3_network2" --preset overfit --quiet --plot "$out/ch3_overfit.png"
figure ch3_l2_small "$bin/ch3_network2" --preset l2-small --quiet --plot "$out/ch3_l2_small.png"
figure ch3_l2_full "$bin/ch3_network2" --preset l2-full --quiet --plot "$out/ch3_l2_full.png"
weight_init() {  # the two initialisations' validation accuracy on one plot (the book's weight_initialization.py)
  for init in default large; do
    "$bin/ch3_network2" --preset "init-$init" --quiet --metrics "$out/weight_init-$init.csv"
  done
  gnuplot <<GP
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) { set terminal pngcairo size 800,500 noenhanced font 'sans,11' } else { set terminal png size 800,500 noenhanced }
set output '$out/weight_init.png'
set datafile separator comma
set grid
set title 'Weight initialisation: [784, 30, 10], eta 0.1, lambda 5 (weight_initialization.py)'
set xlabel 'epoch'
set ylabel 'validation accuracy (%)'
set key bottom right
plot '$out/weight_init-default.csv' skip 1 using 1:(100*\$7) with linespoints pt 7 ps 0.5 lw 2 lc rgb '#1f77b4' title 'N(0, 1/n_in) (default)', \
     '$out/weight_init-large.csv' skip 1 using 1:(100*\$7) with linespoints pt 7 ps 0.5 lw 2 lc rgb '#ff7f0e' title 'N(0, 1) (large)'
GP
}
figure weight_init weight_init
figure more_data "$bin/ch3_more_data" --plot "$out/more_data.png"
figure multiple_eta bash -c "scripts/multiple_eta.sh -o '$out/multiple_eta' && mv '$out/multiple_eta/multiple_eta.png' '$out/'"
figure ch5_speeds "$bin/ch5_vanishing_gradient" --quiet --plot "$out/ch5_speeds.png"
ch6_errors() {
  local m=$model
  if [ -z "$m" ]; then
    m=$logs/ch6_relu.npz
    "$bin/ch6_convnet" --preset relu --epochs 5 --quiet --save "$m"
  fi
  build/release/tools/nndl-evaluate --model "$m" --errors "$out/ch6_errors.png"
}
figure ch6_errors ch6_errors
# The logs and gnuplot scripts name this machine's folders: they stay out of docs/.
find "$out" -name '*.log' -exec mv -t "$logs" {} +
find "$out" -name '*.gp' -delete
echo "gallery: done; the figures are in $out (docs/figures.md shows them)"
