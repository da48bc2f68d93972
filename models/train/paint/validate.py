"""Score a checkpoint's EMA and raw weights on the held-out validation sets (validation.py, the
measure training logs), to choose which to export when a stage is shorter than the EMA's memory.

  /usr/bin/python3 -m models.train.paint.validate [--ckpt models/train/paint/run/last.pt]

Prints one JSON object per weight set. The eval pairs are never used here: they measure, not select.
"""
import argparse
import json
from pathlib import Path

import torch

from models.train.paint.data import load_config
from models.train.paint.net import checkpoint_net
from models.train.paint.validation import Validation
from models.train.vgg import VGG

HERE = Path(__file__).resolve().parent


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt", default=str(HERE / "run" / "last.pt"))
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    ck = torch.load(a.ckpt, map_location="cpu")
    cfg = load_config(HERE / "config.json")
    validation = Validation(cfg, VGG(cfg["paths"]["vgg"]))
    for weights in ("ema", "model"):
        scores = validation(checkpoint_net(ck, weights).eval())
        print(json.dumps({"step": ck["step"], "weights": weights, **{k: round(v, 4) for k, v in scores.items()}}), flush=True)


if __name__ == "__main__":
    main()
