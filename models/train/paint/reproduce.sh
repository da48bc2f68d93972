#!/bin/sh
# Reproduce the shipped `paint` model from seed 1 (config.json holds every hyper-parameter and the
# stages). Each step resumes where it stopped: rerun the same command after an interruption.
set -e
cd "$(dirname "$0")/../../.."
PY=/usr/bin/python3
nice -n 15 $PY models/train/paint/teacher_cache.py          # teacher outputs + style targets (git-ignored cache)
nice -n 15 $PY models/train/paint/train.py                  # both stages -> models/train/paint/run/
$PY models/train/paint/export.py --ckpt models/train/paint/run/last.pt --out models/paint --meta models/train/paint/meta.json
$PY models/train/paint/quantize.py --ckpt models/train/paint/run/last.pt --model models/paint
$PY models/train/paint/curve.py models/train/paint/run/val.csv models/paint/learning-curve.png
