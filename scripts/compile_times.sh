#!/usr/bin/env bash
# Compile times, in CPU seconds (user + sys) of g++ 12, so that a change can be checked against them
# (docs/speed.md, "Compile times", has the figures and the goals):
#   readme_example  the README's C++ example, g++ -O2 -c, against
#   dlib_mlp        dlib 19.24 training the same [784, 30, 10] network (benchmarks/compile/dlib_mlp.cpp),
#                   the two compiled in turn, NNDL_COMPILE_RUNS times each (default 3), the median printed;
#   readme_example_compiled  the example with NNDL_COMPILED, and nndl_compiled_unit: the unit that
#                   holds nndl's out-of-line functions, compiled once per program;
#   readme_example_pch  the same with <nndl/network.hpp> precompiled, and precompiled_header: that header;
#   examples/...    each example program's one source, with the release build's own command line;
#   full build      with --full: a fresh release build of everything in a temporary folder, the CPU
#                   time of all its compiler and linker calls.
# Usage: scripts/compile_times.sh [--full]   (installs libdlib-dev if it is missing). Nothing else runs
# while it measures, or the figures say little.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${NNDL_COMPILE_RUNS:-3}
full=0
for a in "$@"; do
  case "$a" in
    --full) full=1 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compile_times: unknown argument '$a' (--full, --help)" >&2; exit 2 ;;
  esac
done
scripts/deps.sh
if ! dpkg -s libdlib-dev > /dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q libdlib-dev > /dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -n '/^```cpp/,/^```/p' README.md | sed '1d;$d' > "$work/readme_example.cpp"
[ -s "$work/readme_example.cpp" ] || { echo "compile_times: README.md has no C++ example" >&2; exit 1; }

# cpu CMD...: prints the CPU seconds the command took; a failed compile ends the script.
cpu() {
  if ! /usr/bin/time -f "%U %S" -o "$work/time" "$@" > "$work/out" 2>&1; then
    cat "$work/out" >&2
    echo "compile_times: failed: $*" >&2
    exit 1
  fi
  awk '{printf "%.2f", $1 + $2}' "$work/time"
}
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "# compile times, CPU seconds of g++ ($(g++ -dumpfullversion)), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
readme=() dlib=()
for ((i = 0; i < runs; ++i)); do
  readme+=("$(cpu g++ -std=c++20 -O2 -Iinclude -c "$work/readme_example.cpp" -o "$work/a.o")")
  dlib+=("$(cpu g++ -std=c++17 -O2 -c benchmarks/compile/dlib_mlp.cpp -o "$work/b.o")")
done
r=$(echo "${readme[*]}" | median) d=$(echo "${dlib[*]}" | median)
printf 'readme_example\t%s\t(%s)\n' "$r" "${readme[*]}"
printf 'dlib_mlp\t%s\t(%s)\n' "$d" "${dlib[*]}"
printf 'readme_example/dlib_mlp\t%s\t(goal: at most 0.35)\n' "$(awk -v a="$r" -v b="$d" 'BEGIN {printf "%.2f", a / b}')"
# The same example with nndl's out-of-line functions compiled once (include/nndl/detail/out_of_line.hpp):
# the example's own file with NNDL_COMPILED, and, once, the unit that includes <nndl/compiled.hpp>.
echo '#include <nndl/compiled.hpp>' > "$work/compiled.cpp"
split=()
for ((i = 0; i < runs; ++i)); do
  split+=("$(cpu g++ -std=c++20 -O2 -Iinclude -DNNDL_COMPILED -c "$work/readme_example.cpp" -o "$work/a.o")")
done
s=$(echo "${split[*]}" | median)
printf 'readme_example_compiled\t%s\t(%s; NNDL_COMPILED)\n' "$s" "${split[*]}"
printf 'readme_example_compiled/dlib_mlp\t%s\n' "$(awk -v a="$s" -v b="$d" 'BEGIN {printf "%.2f", a / b}')"
printf 'nndl_compiled_unit\t%s\t(once per program)\n' "$(cpu g++ -std=c++20 -O2 -Iinclude -c "$work/compiled.cpp" -o "$work/c.o")"
# ... and with <nndl/network.hpp> and the MNIST reader precompiled once (what the examples and tools
# of this repository do, CMake's target_precompile_headers): the example's own compile, and the header.
printf '#include <nndl/network.hpp>\n#include <nndl/data/mnist.hpp>\n' > "$work/pch.hpp"
pch_unit=$(cpu g++ -std=c++20 -O2 -Iinclude -DNNDL_COMPILED -x c++-header "$work/pch.hpp" -o "$work/pch.hpp.gch")
pch=()
for ((i = 0; i < runs; ++i)); do
  pch+=("$(cpu g++ -std=c++20 -O2 -Iinclude -DNNDL_COMPILED -Winvalid-pch -include "$work/pch.hpp" -c "$work/readme_example.cpp" -o "$work/a.o")")
done
p=$(echo "${pch[*]}" | median)
printf 'readme_example_pch\t%s\t(%s; NNDL_COMPILED and the precompiled header)\n' "$p" "${pch[*]}"
printf 'readme_example_pch/dlib_mlp\t%s\n' "$(awk -v a="$p" -v b="$d" 'BEGIN {printf "%.2f", a / b}')"
printf 'precompiled_header\t%s\t(once per program or project)\n' "$pch_unit"

# Each example, compiled as the release build compiles it.
cmake --preset release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > /dev/null
/usr/bin/python3 - build/release/compile_commands.json "$work" > "$work/examples.sh" <<'PY'
import json, shlex, sys
work = sys.argv[2]
for e in json.load(open(sys.argv[1])):
    f = e["file"]
    if "/examples/" not in f:
        continue
    args = shlex.split(e["command"])
    i = args.index("-o")
    args[i + 1] = work + "/e.o"
    print(shlex.quote(f.split("/examples/")[1]), shlex.quote(e["directory"]), shlex.join(args))
PY
# The release build compiles the examples with its precompiled header (NNDL_PROGRAM_PCH): built
# here first, then made again alone and timed.
cmake --build --preset release --target nndl_program_pch > /dev/null
rm -f build/release/CMakeFiles/nndl_program_pch.dir/cmake_pch.hxx.gch
pch_cpu=$( { /usr/bin/time -f "%U %S" cmake --build --preset release --target nndl_program_pch > /dev/null; } 2>&1 | tail -1 | awk '{printf "%.2f", $1 + $2}')
printf 'examples_precompiled_header\t%s\t(once for all the examples and tools)\n' "$pch_cpu"
while read -r name dir cmd; do
  t=$(cd "$dir" && eval cpu "$cmd")
  printf 'examples/%s\t%s\n' "$name" "$t"
done < "$work/examples.sh"

if [ "$full" = 1 ]; then
  cat > "$work/cc.sh" <<'SH'
#!/bin/bash
/usr/bin/time -f "%U %S" -a -o "$NNDL_CT_LOG" "$@"
SH
  chmod +x "$work/cc.sh"
  export NNDL_CT_LOG="$work/calls"
  start=$SECONDS
  cmake -S . -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DNNDL_WITH_MPI=ON \
    -DCMAKE_CXX_COMPILER_LAUNCHER="$work/cc.sh" -DCMAKE_CXX_LINKER_LAUNCHER="$work/cc.sh" > /dev/null
  cmake --build "$work/build" -j "$(nproc)" > "$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }
  printf 'full_build_cpu_minutes\t%s\t(goal: at most 11)\n' "$(awk '{s += $1 + $2} END {printf "%.1f", s / 60}' "$work/calls")"
  printf 'full_build_wall_minutes\t%s\n' "$(awk -v s=$((SECONDS - start)) 'BEGIN {printf "%.1f", s / 60}')"
fi
