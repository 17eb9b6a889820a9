#!/usr/bin/env bash
# A data-parallel process killed by SIGKILL (issue 23, point 4): mpirun -np 2 ch1_network
# --data-parallel --checkpoint DIR; once the checkpoint of epoch 0 is written, one of the processes
# (a child of this test's own mpirun) is killed. mpirun must end within 30 s with a non-zero status
# and say which process died; the checkpoint must be whole: a new mpirun -np 2 continues from it to
# the same weights, bit for bit, as a two-process run never interrupted, and one process alone (another
# K) continues from a copy of it to the end. Then Ctrl-C on mpirun (which passes SIGTERM on to the
# processes): they stop after the same mini-batch (no MPI_Abort), mpirun ends with a non-zero status,
# process 0 has written the checkpoint, and the same command continues from it.
#   tests/mpi_kill.sh MPIRUN PROGRAM PYTHON WEIGHTS_APART DATA WORK
set -u
mpirun=$1 program=$2 python=$3 apart=$4 data=$5 work=$6
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "mpi_kill: $*" >&2; exit 1; }
common=(--data "$data" --train-size 3000 --epochs 4 --quiet --checkpoint "$work/ckpt")
mpi=("$mpirun" --allow-run-as-root --oversubscribe -x OPENBLAS_CORETYPE -x OPENBLAS_NUM_THREADS -np 2)
"${mpi[@]}" "$program" "${common[@]}" --data-parallel > "$work/first.log" 2>&1 &
runner=$!
ckpt="$work/ckpt/ch1-hidden30-seed1.ckpt.npz"
for _ in $(seq 600); do [ -s "$ckpt" ] && break; sleep 0.1; done
[ -s "$ckpt" ] || { kill "$runner"; fail "no checkpoint after 60 s"; }
victim=$(pgrep -P "$runner" -f ch1_network | tail -n 1)
[ -n "$victim" ] || { kill "$runner"; fail "no ch1_network among the children of mpirun $runner"; }
kill -KILL "$victim"
killed_at=$(date +%s.%N)
for _ in $(seq 300); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$runner" 2>/dev/null; then
  kill -KILL "$runner"
  fail "mpirun still ran 30 s after process $victim was killed"
fi
wait "$runner"
status=$?
took=$(echo "$(date +%s.%N) - $killed_at" | bc)
cat "$work/first.log"
[ "$status" -ne 0 ] || fail "mpirun exited 0 after a process was killed"
grep -q "signal 9" "$work/first.log" || fail "mpirun did not say that a process was killed (signal 9)"
echo "mpi_kill: mpirun ended ${took} s after the kill, status $status"
cp -r "$work/ckpt" "$work/ckpt1"
"${mpi[@]}" "$program" "${common[@]}" --data-parallel --save "$work/again.json" > "$work/again.log" 2>&1 ||
  { cat "$work/again.log"; fail "the resumed two-process run failed"; }
grep -q "Resuming from .* after [1-9]" "$work/again.log" || { cat "$work/again.log"; fail "the second run did not resume"; }
echo "mpi_kill: a new mpirun -np 2 continued from the checkpoint:"
grep -E "Resuming|Epoch" "$work/again.log"
"${mpi[@]}" "$program" "${common[@]:0:7}" --checkpoint "$work/whole" --data-parallel --save "$work/whole.json" > "$work/whole.log" 2>&1 ||
  { cat "$work/whole.log"; fail "the uninterrupted two-process run failed"; }
grep -q "Resuming" "$work/whole.log" && fail "the uninterrupted run found a checkpoint"
a=$(grep "^Epoch 3: " "$work/again.log") b=$(grep "^Epoch 3: " "$work/whole.log")
[ -n "$a" ] && [ "${a%%(*}" = "${b%%(*}" ] || fail "resumed: '$a', uninterrupted: '$b'"
d=$("$python" "$apart" "$work/again.json" "$work/whole.json") || fail "comparing the weights failed"
[[ $d == "max |a - b| = 0 over "* ]] || fail "the resumed run's weights differ from the uninterrupted run's: $d"
echo "mpi_kill: resumed against uninterrupted: $d"
"$program" --data "$data" --train-size 3000 --epochs 4 --quiet --checkpoint "$work/ckpt1" > "$work/one.log" 2>&1 ||
  { cat "$work/one.log"; fail "one process did not continue from the two-process checkpoint"; }
grep -q "Resuming from .* after [1-9]" "$work/one.log" && grep -q "^Epoch 3: " "$work/one.log" ||
  { cat "$work/one.log"; fail "one process did not resume and finish"; }
echo "mpi_kill: one process continued from a copy of the checkpoint:"
grep -E "Resuming|Epoch" "$work/one.log"

long=(--data "$data" --train-size 3000 --epochs 100 --quiet --checkpoint "$work/int")
"${mpi[@]}" "$program" "${long[@]}" --data-parallel > "$work/int.log" 2>&1 &
runner=$!
for _ in $(seq 600); do [ -s "$work/int/ch1-hidden30-seed1.ckpt.npz" ] && break; sleep 0.1; done
kill -INT "$runner"
for _ in $(seq 300); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$runner" 2>/dev/null; then
  kill -KILL "$runner"
  fail "mpirun still ran 30 s after Ctrl-C"
fi
wait "$runner"
status=$?
grep -E "interrupted|Checkpoint" "$work/int.log"
# each process ends with 130; Open MPI 4.1's mpirun, itself interrupted, says 1
[ "$status" -ne 0 ] || { cat "$work/int.log"; fail "mpirun exited 0 after Ctrl-C"; }
grep -q "stopping all" "$work/int.log" && fail "an interrupted process ended the others with MPI_Abort"
[ "$(grep -c "^ch1_network: interrupted by" "$work/int.log")" -eq 1 ] || fail "not one report of the interruption (process 0's)"
grep -q "^Checkpoint written: " "$work/int.log" || fail "no checkpoint after Ctrl-C"
epoch=$(sed -n 's/.*interrupted after .*epoch \([0-9]*\)).*/\1/p' "$work/int.log" | head -n 1)
[ -n "$epoch" ] || fail "where it stopped is not said"
"${mpi[@]}" "$program" "${long[@]:0:4}" --epochs $((epoch + 2)) --quiet --checkpoint "$work/int" --data-parallel \
  > "$work/int2.log" 2>&1 || { cat "$work/int2.log"; fail "the run after Ctrl-C did not continue"; }
grep -q "^Resuming from " "$work/int2.log" && grep -q "^Epoch $((epoch + 1)): " "$work/int2.log" ||
  { cat "$work/int2.log"; fail "the run after Ctrl-C did not resume and finish"; }
echo "mpi_kill: after Ctrl-C in epoch $epoch (mpirun's status $status), the same command continued:"
grep -E "Resuming|Epoch" "$work/int2.log"
echo ok
