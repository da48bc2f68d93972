#!/bin/sh
# The README's before/after picture: `npm start` (the bundled clip in the bundled style, with the
# default model), then one frame of the input above the same frame of the output, 640 px wide.
set -e
cd "$(dirname "$0")/../.."
FFMPEG=$(node -e "console.log(require('@ffmpeg-installer/ffmpeg').path)")
OUT=$(mktemp -d)
node bin/stylecast.js render -o "$OUT/sample.mp4" --quiet
"$FFMPEG" -v error -ss 3.5 -i assets/sample/clip.mp4 -ss 3.5 -i "$OUT/sample.mp4" -frames:v 1 \
  -filter_complex "[0:v]scale=640:-2[a];[1:v]scale=640:-2[b];[a][b]vstack" -q:v 3 -y assets/readme/before-after.jpg
rm -rf "$OUT"
