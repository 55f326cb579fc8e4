#!/usr/bin/env bash
# Screenshots of the running app for the README, under a virtual X server.
# Needs: xvfb, x11-apps (xwd), imagemagick (convert), fonts-noto-cjk; a release build.
set -euo pipefail
CONVERT=$(command -v /usr/bin/convert || command -v convert)
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/shoplab}
OUT=docs/screenshots
DEMO=$(mktemp -d)/demo
mkdir -p "$OUT"
"$BIN" demo --dir "$DEMO" > /dev/null
# A second EASE run, so Compare shows how same-model runs are told apart.
"$BIN" -p "$DEMO" train ease --param reg=50 --valid-fraction 0.1 > /dev/null
Xvfb :97 -screen 0 1400x900x24 > /dev/null 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null || true' EXIT
export DISPLAY=:97 LIBGL_ALWAYS_SOFTWARE=1
sleep 1
shot() { # name, seconds to wait, gui args...
  local name=$1 wait=$2; shift 2
  "$BIN" gui "$DEMO" --fresh "$@" > /dev/null 2>&1 &
  local pid=$!
  sleep "$wait"
  xwd -root -silent | "$CONVERT" xwd:- -crop 1280x820+0+0 +repage "$OUT/$name.png"
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
}
shot data 6 --view data
shot search 6 --view search --query "wireless headphones"
shot train 6 --view train
shot compare 6 --view compare
shot recommend 8 --view recommend
shot compare-zh 6 --view compare --lang zh
shot learn 6 --view learn
ls -l "$OUT"
