#!/usr/bin/env bash
# Rebuilds clip.mp4 from the scikit-image photos in ../shared/data (see README.md for licences).
set -euo pipefail
photos="${1:-../../../shared/data/photos/skimage}"
zoom() { echo "[$1]scale=2560:-2,zoompan=z='$2':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=50:s=1280x720:fps=25,setsar=1[$3]"; }
ffmpeg -hide_banner -loglevel error -y \
  -i "$photos/skimage_chelsea.jpg" -i "$photos/skimage_coffee.jpg" -i "$photos/skimage_rocket.jpg" \
  -f lavfi -t 6 -i "sine=frequency=220:sample_rate=44100,volume=0.2" \
  -filter_complex "$(zoom 0 '1+0.002*on' a);$(zoom 1 '1.2-0.002*on' b);$(zoom 2 '1+0.002*on' c);[a][b][c]concat=n=3:v=1:a=0[v]" \
  -map "[v]" -map 3:a -c:v libx264 -preset slow -crf 26 -pix_fmt yuv420p -c:a aac -b:a 64k \
  -movflags +faststart clip.mp4
