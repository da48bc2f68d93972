#!/bin/sh
# Reproduce the shipped `paint` model from seed 1 (config.json holds every hyper-parameter and the
# stages). Each step resumes where it stopped: rerun the same command after an interruption.
set -e
cd "$(dirname "$0")/../../.."
PY=/usr/bin/python3
nice -n 15 $PY -m models.train.paint.teacher_cache    # teacher outputs + style targets (git-ignored cache)
nice -n 15 $PY -m models.train.paint.train            # every stage -> models/train/paint/run/
$PY -m models.train.paint.export --ckpt models/train/paint/run/last.pt --out models/paint --meta models/train/paint/meta.json
$PY -m models.train.paint.quantize --ckpt models/train/paint/run/last.pt --model models/paint
$PY -m models.train.paint.curve models/train/paint/run/val.csv models/paint/learning-curve.png
