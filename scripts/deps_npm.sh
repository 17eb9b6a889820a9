#!/usr/bin/env bash
# Installs ONNX Runtime for node (npm's onnxruntime-node, which ships the CPU runtime) for the ONNX
# tests (tests/onnx/ort_score.js), only when it is missing. Its install script, which would download
# more from elsewhere, is skipped (--ignore-scripts). Installs Debian's nodejs and npm when node or npm
# is missing (checked with Node 20.20 and npm 11 here).
#   scripts/deps_npm.sh                      # into build/node (ignored by git), or $NNDL_NODE_PREFIX
# The tests find it through NODE_PATH=<prefix>/node_modules (tests/onnx/onnx.cmake sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.30.0  # checked with Node 20.20 on Debian 12
prefix=${NNDL_NODE_PREFIX:-build/node}
package=$prefix/node_modules/onnxruntime-node
# node and npm: Debian's (nodejs, npm) when there are none; a node that came with its own npm is kept.
apt_missing=()
command -v node >/dev/null || apt_missing+=(nodejs)
command -v npm >/dev/null || apt_missing+=(npm)
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "deps_npm: installing ${apt_missing[*]} (Debian)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${apt_missing[@]}"
fi
installed=$(node -p "try { require(require('path').resolve('$package', 'package.json')).version } catch (e) { '' }" 2>/dev/null || true)
binding=$(ls "$package"/bin/napi-v*/linux/x64/onnxruntime_binding.node 2>/dev/null | head -n 1 || true)
if [ "$installed" = "$version" ] && [ -n "$binding" ] &&
   (cd "$prefix" && node -e "require('onnxruntime-node')" >/dev/null 2>&1); then
  echo "deps_npm: onnxruntime-node $version present in $prefix"
  exit 0
fi
echo "deps_npm: installing onnxruntime-node@$version into $prefix (npm install --ignore-scripts;" \
     "had: ${installed:-none})"
mkdir -p "$prefix"
[ -f "$prefix/package.json" ] || echo '{"name": "nndl-test-node", "private": true}' > "$prefix/package.json"
npm install --prefix "$prefix" --ignore-scripts --no-audit --no-fund --no-save --loglevel=error \
    "onnxruntime-node@$version"
(cd "$prefix" && node -e "
  const ort = require('onnxruntime-node');
  console.log('deps_npm: onnxruntime-node ' + ort.env.versions.node + ' loads (CPU runtime, ' + process.version + ')');")
