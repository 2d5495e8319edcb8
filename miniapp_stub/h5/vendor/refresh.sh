#!/usr/bin/env bash
# Refresh the vendored front-end libraries of the H5 stand-in from the npm registry.
# Pinned versions; only the browser builds and their licences are kept (no node_modules).
# Usage: miniapp_stub/h5/vendor/refresh.sh   (needs npm and network access to the registry)
set -euo pipefail
cd "$(dirname "$0")"

VUE=3.5.45
VANT=4.10.2
ECHARTS=6.1.0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch <package> <version> → unpacked under $work/<package>/package
  (cd "$work" && npm pack --silent "$1@$2" >/dev/null)
  mkdir -p "$work/$1"
  tar xzf "$work/$1-$2.tgz" -C "$work/$1"
}

fetch vue "$VUE"
fetch vant "$VANT"
fetch echarts "$ECHARTS"

rm -rf vue vant echarts
mkdir -p vue vant echarts
cp "$work/vue/package/dist/vue.esm-browser.prod.js" "$work/vue/package/LICENSE" vue/
cp "$work/vant/package/lib/vant.min.js" "$work/vant/package/lib/index.css" \
   "$work/vant/package/LICENSE" vant/
cp "$work/echarts/package/dist/echarts.common.min.js" "$work/echarts/package/LICENSE" \
   "$work/echarts/package/NOTICE" echarts/
printf 'vue %s\nvant %s\necharts %s\n' "$VUE" "$VANT" "$ECHARTS" > VERSIONS
echo "vendored: vue $VUE, vant $VANT, echarts $ECHARTS"
du -sh vue vant echarts
