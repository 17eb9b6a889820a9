#!/usr/bin/env bash
# Two machines for real (issue 23, point 5): two hosts made as network namespaces joined by a veth
# pair, 192.0.2.1 and 192.0.2.2 (the documentation range, RFC 5737), and mpirun started in the first
# with an rsh agent that runs the second's daemon through `ip netns exec`; the processes talk over
# TCP on that subnet only (btl tcp,self). mpirun -np 2 ch1_network --data-parallel across them must
# print the one-process run's per-epoch counts and save weights within 1e-9 of its weights.
# Everything it made is removed at the end. Needs root (CI runs as root): otherwise exit 77.
#   tests/mpi_two_hosts.sh MPIRUN PROGRAM PYTHON WEIGHTS_APART DATA WORK
set -u
mpirun=$1 program=$2 python=$3 apart=$4 data=$5 work=$6
fail() { echo "mpi_two_hosts: $*" >&2; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
  echo "mpi_two_hosts: NOT TESTED: making network namespaces needs root" >&2
  exit 77
fi
rm -rf "$work" && mkdir -p "$work" || exit 1
a=nndl-dp$$-a b=nndl-dp$$-b va=nndldp$$a vb=nndldp$$b
cleanup() {
  ip netns del "$a" 2>/dev/null
  ip netns del "$b" 2>/dev/null  # deleting a namespace deletes its end of the veth pair, and so the pair
  true
}
trap cleanup EXIT
ip netns add "$a" && ip netns add "$b" && ip link add "$va" type veth peer name "$vb" &&
  ip link set "$va" netns "$a" && ip link set "$vb" netns "$b" &&
  ip -n "$a" addr add 192.0.2.1/24 dev "$va" && ip -n "$b" addr add 192.0.2.2/24 dev "$vb" &&
  ip -n "$a" link set lo up && ip -n "$b" link set lo up && ip -n "$a" link set "$va" up && ip -n "$b" link set "$vb" up ||
  fail "could not make the two namespaces"
cat > "$work/agent.sh" <<AGENT
#!/bin/sh
# mpirun's rsh agent: "agent [options] HOST COMMAND..." runs COMMAND in HOST's namespace.
while [ \$# -gt 0 ]; do case \$1 in -*) shift ;; *) break ;; esac; done
host=\$1; shift
echo "agent: \$host" >> "$work/agent.log"
case \$host in 192.0.2.2) ns=$b ;; 192.0.2.1) ns=$a ;; *) echo "agent: unknown host \$host" >&2; exit 1 ;; esac
exec ip netns exec \$ns /bin/sh -c "\$*"
AGENT
chmod +x "$work/agent.sh"
common=(--data "$data" --train-size 3000 --epochs 2 --mini-batch 11 --quiet)
"$program" "${common[@]}" --save "$work/one.json" > "$work/one.log" 2>&1 || { cat "$work/one.log"; fail "one process failed"; }
timeout 120 ip netns exec "$a" "$mpirun" --allow-run-as-root --oversubscribe -x OPENBLAS_NUM_THREADS \
  -H 192.0.2.1:1,192.0.2.2:1 -np 2 --mca plm_rsh_agent "$work/agent.sh" \
  --mca oob_tcp_if_include 192.0.2.0/24 --mca btl_tcp_if_include 192.0.2.0/24 --mca btl tcp,self \
  "$program" "${common[@]}" --data-parallel --save "$work/two.json" > "$work/two.log" 2>&1 ||
  { cat "$work/two.log"; fail "mpirun over the two namespaces failed (or took over 120 s)"; }
cat "$work/two.log"
grep -qx "agent: 192.0.2.2" "$work/agent.log" || fail "mpirun did not start anything on 192.0.2.2"
grep -q "Data-parallel: 2 processes" "$work/two.log" || fail "the two processes did not train together"
for e in 0 1; do
  x=$(grep "^Epoch $e: " "$work/one.log") y=$(grep "^Epoch $e: " "$work/two.log")
  [ -n "$x" ] && [ "${x%%(*}" = "${y%%(*}" ] || fail "one process: '$x', two hosts: '$y'"
done
d=$("$python" "$apart" "$work/one.json" "$work/two.json") || fail "comparing the weights failed"
m=${d#max |a - b| = }; m=${m%% *}
"$python" -c "import sys; sys.exit(0 if float('$m') <= 1e-9 else 1)" || fail "two hosts' weights are $m from one process's"
echo "mpi_two_hosts: the same counts as one process; weights: $d"
echo ok
