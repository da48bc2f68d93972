#!/bin/sh
# Reproduce models/fast from seed 1: the three training segments the shipped weights went through
# (the schedule was changed twice while it ran; each segment resumes the previous checkpoint), then
# the export. Run from the repository root; about 35 min of one CPU core when the machine is idle.
#   sh models/train/fast/reproduce.sh [RUN_DIR]
# To train further: rerun the last segment's command with a larger --stop-at (and --resume).
set -eu
RUN=${1:-models/train/runs/fast}
T="nice -n 10 /usr/bin/python3 -m models.train.fast.train --run $RUN --seed 1 --batch 2 --size 128 --style-crop 160 --widths 16,32,64 --blocks 2 --threads 1 --val-every 10000"
$T --steps 1000 --content-weight 10 --shift-weight 0.05 --stop-at 335
$T --steps 2000 --content-weight 10 --shift-weight 0.05 --stop-at 1387 --resume
$T --steps 2800 --content-weight 3 --shift-weight 0.02 --resume
/usr/bin/python3 -m models.train.fast.export --ckpt "$RUN/last.pt" --out models/fast --meta models/train/fast/meta.json
